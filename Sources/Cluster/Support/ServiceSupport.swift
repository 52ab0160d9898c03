import Foundation

/// What the coordinator and worker binaries share: the version they announce, timestamped log
/// lines, and waiting for SIGINT or SIGTERM.
public enum ServiceSupport {
    /// SpectroFold's version, announced by workers in HELLO.
    public static let version = "0.1.0"

    /// Prints `line` with an ISO 8601 UTC timestamp, flushed at once (for logs and tests).
    @Sendable public static func log(_ line: String) {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        FileHandle.standardOutput.write(Data("\(formatter.string(from: Date())) \(line)\n".utf8))
    }

    /// Blocks until the process gets SIGINT or SIGTERM; returns the signal's name.
    public static func waitForTermination() -> String {
        let semaphore = DispatchSemaphore(value: 0)
        let received = NSLock()
        var name = ""
        var sources: [DispatchSourceSignal] = []
        for (number, signalName) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                received.lock()
                name = signalName
                received.unlock()
                semaphore.signal()
            }
            source.resume()
            sources.append(source)
        }
        semaphore.wait()
        sources.forEach { $0.cancel() }
        received.lock()
        defer { received.unlock() }
        return name
    }

    /// CURVE client settings from a pair of key file flags: both or neither.
    public static func clientSecurity(serverKeyFile: String?, secretKeyFile: String?) throws -> CurveClientSecurity? {
        switch (serverKeyFile, secretKeyFile) {
        case (nil, nil): return nil
        case let (server?, secret?):
            return CurveClientSecurity(keyPair: try CurveKeyPair(secretKeyFile: secret), serverPublicKey: try CurveKeyFile.readPublicKey(server))
        default:
            throw ClusterError("--curve-server-key and --curve-secret go together: give both for an encrypted connection, or neither")
        }
    }
}
