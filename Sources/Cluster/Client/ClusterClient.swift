import Foundation
import RunRecords

/// A client of the coordinator (`spectrofold submit`, `spectrofold status`): a DEALER socket
/// with a routing id of its own; every request waits for its one reply. A request unanswered
/// within `timeout` throws; the socket is then replaced (Lazy Pirate), so a late reply to the
/// old request never answers a new one.
///
/// ```swift
/// let client = try ClusterClient(endpoint: "tcp://127.0.0.1:5570", security: nil)
/// let report = try client.status()
/// ```
public final class ClusterClient {
    public let endpoint: String
    public let timeout: TimeInterval
    private let security: CurveClientSecurity?
    private let context: ZMQContext
    private var socket: ZMQSocket?

    public init(endpoint: String, security: CurveClientSecurity?, timeout: TimeInterval = 10) throws {
        self.endpoint = endpoint
        self.security = security
        self.timeout = timeout
        context = try ZMQContext()
    }

    deinit {
        socket?.close()
        context.terminate()
    }

    /// Sends `request` and returns the reply; REFUSED becomes a thrown error with its reason.
    public func request(_ request: ClientRequest) throws -> ClientReply {
        try send(request)
        let reply = try receive()
        if case .refused(let refusal) = reply { throw ClusterError("the coordinator at \(endpoint) refused: \(refusal.reason)") }
        return reply
    }

    /// The workers and sweeps (one sweep, or all).
    public func status(sweep: String? = nil) throws -> StatusReport {
        guard case .report(let bytes) = try request(.status(StatusQuery(sweep: sweep))) else {
            throw ClusterError("\(endpoint) answered STATUS with something else than REPORT")
        }
        return try JSONCoding.decode(StatusReport.self, from: Data(bytes))
    }

    /// Asks the coordinator to refit `model` of the ended sweep `sweep` on all its data (REFIT).
    public func refit(sweep: String, model: String) throws -> SubmitReceipt {
        guard case .submitted(let receipt) = try request(.refit(RefitRequest(sweep: sweep, model: model))) else {
            throw ClusterError("\(endpoint) answered REFIT with something else than SUBMITTED")
        }
        return receipt
    }

    /// Submits a sweep plan (JSON) over the dataset file at `datasetPath`, which hashes to
    /// `digest`, and the other files its jobs need (`files`: digest → path, e.g. checkpoints);
    /// uploads first whichever of them the coordinator lacks (`uploaded` hears the file's path,
    /// the bytes sent so far and its size). Returns the receipt of the accepted sweep.
    public func submit(sweep: String, plan: [UInt8], datasetPath: String, digest: String, files: [String: String] = [:],
                       uploaded: (String, Int, Int) -> Void = { _, _, _ in }) throws -> SubmitReceipt {
        let size = (try FileManager.default.attributesOfItem(atPath: datasetPath)[.size] as? NSNumber)?.intValue ?? 0
        let submission = ClientRequest.submit(Submission(sweep: sweep, dataset: digest, datasetBytes: size, plan: plan))
        guard case .submitted(let first) = try request(submission) else { throw ClusterError("\(endpoint) answered SUBMIT wrongly") }
        guard !first.missing.isEmpty else { return first }
        let paths = files.merging([digest: datasetPath]) { $1 }
        for missing in first.missing {
            guard let path = paths[missing] else { throw ClusterError("\(endpoint) asks for file \(missing), which this sweep does not name") }
            let bytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
            try upload(path, digest: missing, size: bytes, chunkBytes: first.chunkBytes) { uploaded(path, $0, $1) }
        }
        guard case .submitted(let receipt) = try request(submission), receipt.missing.isEmpty else {
            throw ClusterError("\(endpoint) still lacks files \(first.missing.joined(separator: ", ")) after the upload")
        }
        return receipt
    }

    /// Uploads a file in chunks, `window` requests in flight.
    private func upload(_ path: String, digest: String, size: Int, chunkBytes: Int, window: Int = 8, uploaded: (Int, Int) -> Void) throws {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let count = DatasetDirectory.chunkCount(size: size, chunkBytes: chunkBytes)
        func sendChunk(_ index: Int) throws {
            try handle.seek(toOffset: UInt64(index) * UInt64(chunkBytes))
            let bytes = [UInt8](try handle.read(upToCount: chunkBytes) ?? Data())
            try send(.upload(DatasetChunk(digest: digest, chunk: index, chunkCount: count, bytes: bytes)))
        }
        // Chunk 0 alone first: it starts the upload on the coordinator.
        try sendChunk(0)
        var next = 1
        var acknowledged = 0
        while acknowledged < count {
            let reply = try receive()
            switch reply {
            case .uploaded(let receipt) where receipt.digest == digest:
                acknowledged += 1
                uploaded(min(acknowledged * chunkBytes, size), size)
                if receipt.complete { return }
            case .refused(let refusal):
                throw ClusterError("the coordinator at \(endpoint) refused the upload: \(refusal.reason)")
            default:
                throw ClusterError("\(endpoint) answered UPLOAD wrongly")
            }
            while next < count && next - acknowledged < window {
                try sendChunk(next)
                next += 1
            }
        }
        throw ClusterError("the upload of \(digest) ended without the coordinator confirming its digest")
    }

    private func send(_ request: ClientRequest) throws {
        let socket = try connected()
        guard try socket.send(ProtocolCodec.encode(request), wait: false) else {
            throw ClusterError("cannot queue a request to \(endpoint)")
        }
    }

    private func receive() throws -> ClientReply {
        let socket = try connected()
        guard try socket.waitForInput(timeoutMilliseconds: Int(timeout * 1000)),
              let message = try socket.receive(maxFrames: ProtocolCodec.maxFrames + 1, wait: false) else {
            self.socket?.close()
            self.socket = nil
            throw CoordinatorUnreachable(endpoint: endpoint, timeout: timeout)
        }
        return try ProtocolCodec.decodeClientReply(message.frames, discardedFrames: message.discardedFrames)
    }

    private func connected() throws -> ZMQSocket {
        if let socket { return socket }
        let socket = try ZMQSocket(context: context, type: .dealer)
        try socket.set(.linger(milliseconds: 0))
        try socket.set(.routingID(Array("client-\(UUID().uuidString.prefix(12).lowercased())".utf8)))
        try security?.apply(to: socket)
        try socket.connect(endpoint)
        self.socket = socket
        return socket
    }
}

/// A request the coordinator did not answer in time (down, restarting, or refusing our key).
public struct CoordinatorUnreachable: Error, CustomStringConvertible {
    public let endpoint: String
    public let timeout: TimeInterval
    public var description: String {
        "no answer from the coordinator at \(endpoint) within \(Int(timeout)) s (is it running, and are the keys right?)"
    }
}
