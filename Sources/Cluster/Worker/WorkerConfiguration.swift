import Foundation

/// How a worker runs. The executable fills this from its flags.
public struct WorkerConfiguration: Sendable {
    /// The coordinator's endpoint, e.g. "tcp://10.0.0.5:5570".
    public var endpoint: String
    /// A stable name, unique among the coordinator's workers; also the socket's routing id
    /// (1...255 bytes). Defaults to "<host>-<pid>".
    public var name: String
    public var host = ProcessInfo.processInfo.hostName
    /// The compute threads it trains with (announced in HELLO; logged with each job, since
    /// results are bit-identical only for equal thread counts).
    public var cores = ProcessInfo.processInfo.activeProcessorCount
    /// The BLAS kernel it trains with, with a warning when below the CPU's (`BLASKernel.summary`),
    /// announced in HELLO.
    public var blas: String?
    /// SpectroFold's version, announced in HELLO.
    public var version: String
    /// Where verified datasets are kept between jobs and runs.
    public var cacheDirectory: String
    /// Reconnect delays: the first, doubled after each failed attempt up to the maximum (seconds).
    public var reconnectInitial: TimeInterval = 1
    public var reconnectMaximum: TimeInterval = 32
    /// Dataset chunk requests kept in flight.
    public var fetchWindow = 4
    /// The largest accepted payload frame (ZMQ_MAXMSGSIZE).
    public var maxPayloadBytes = ProtocolCodec.defaultMaxPayloadBytes
    /// CURVE client keys and the coordinator's public key; nil for a plain socket.
    public var security: CurveClientSecurity?

    public init(endpoint: String, version: String, cacheDirectory: String, name: String? = nil) {
        self.endpoint = endpoint
        self.version = version
        self.cacheDirectory = cacheDirectory
        self.name = name ?? "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
    }
}
