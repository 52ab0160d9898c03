import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real `mlflow server` (the `mlflow` script beside a Python interpreter with mlflow installed,
/// such as the `SPECTROFOLD_PYTHON` of `scripts/lib/deps.sh`) on a free loopback port, with its
/// backend store (SQLite) and proxied artifacts in `directory`. It can be stopped and started
/// again on the same port and store, as an outage would. Used by the tests and by
/// `spectrofold-bench soak`.
///
/// ```swift
/// let server = try MLflowServer(directory: tmp.path, python: "/path/to/venv/bin/python")
/// try server.start()          // returns once /health answers
/// server.stop()               // the whole process group, like a crash (SIGKILL)
/// try server.start()          // same port, same runs (or `restart()`)
/// ```
public final class MLflowServer {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let directory: String
    /// The Python interpreter whose environment has mlflow.
    public let python: String
    public let port: Int
    /// The admin account when started with `--app-name basic-auth`.
    public let basicAuth: (username: String, password: String)?
    public var uri: String { "http://127.0.0.1:\(port)" }
    /// The server's output, appended to across restarts.
    public var logPath: String { (directory as NSString).appendingPathComponent("server.log") }

    private var process: Process?

    /// Picks a free port; `basicAuth` runs the server's basic-auth app with that admin account
    /// (every user may edit). Does not start the server.
    public init(directory: String, python: String, basicAuth: (username: String, password: String)? = nil) throws {
        self.directory = directory
        self.python = python
        self.basicAuth = basicAuth
        port = try FreePort.loopback()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    deinit { stop() }

    /// Stops the server and deletes its store (database, artifacts, log).
    public func stopAndRemoveStore() {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Starts the server and waits until `GET /health` answers (an error with the log's end if
    /// it does not within `timeout` seconds).
    public func start(timeout: TimeInterval = 120) throws {
        try launch()
        try waitUntilHealthy(timeout: timeout)
    }

    /// Starts the server's process and returns at once (`isHealthy()` tells when it answers).
    public func launch() throws {
        guard process == nil else { return }
        let mlflow = ((python as NSString).deletingLastPathComponent as NSString).appendingPathComponent("mlflow")
        var arguments = [
            "server", "--host", "127.0.0.1", "--port", "\(port)", "--workers", "1",
            "--backend-store-uri", "sqlite:///" + file("mlflow.sqlite"),
            "--artifacts-destination", file("artifacts"),
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] = "false"  // no job runner processes
        if let basicAuth {
            let config = """
                [mlflow]
                default_permission = EDIT
                database_uri = sqlite:///\(file("auth.sqlite"))
                admin_username = \(basicAuth.username)
                admin_password = \(basicAuth.password)
                authorization_function = mlflow.server.auth:authenticate_request_basic_auth

                """
            try config.write(toFile: file("auth.ini"), atomically: true, encoding: .utf8)
            environment["MLFLOW_AUTH_CONFIG_PATH"] = file("auth.ini")
            environment["MLFLOW_FLASK_SERVER_SECRET_KEY"] = UUID().uuidString
            arguments = ["server", "--app-name", "basic-auth"] + arguments.dropFirst()
        }
        if !FileManager.default.fileExists(atPath: logPath) { try Data().write(to: URL(fileURLWithPath: logPath)) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()

        let process = Process()
        process.executableURL = URL(fileURLWithPath: mlflow)
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = log
        process.standardError = log
        try process.run()  // Foundation starts it in a process group of its own: stop() ends them all
        self.process = process
    }

    /// Waits until the launched server answers `GET /health`; stops it and throws (with the
    /// log's end) when it exits or `timeout` seconds pass first.
    public func waitUntilHealthy(timeout: TimeInterval = 120) throws {
        guard let process else { throw Failure(description: "mlflow server on port \(port) was not launched") }
        let mlflow = process.executableURL?.path ?? "mlflow"
        let deadline = Date().addingTimeInterval(timeout)
        while !isHealthy() {
            guard process.isRunning, Date() < deadline else {
                stop()
                let tail = (try? String(contentsOfFile: logPath, encoding: .utf8)).map { String($0.suffix(3000)) } ?? ""
                throw Failure(description: "mlflow server on port \(port) did not become healthy (\(mlflow)); log:\n\(tail)")
            }
            Thread.sleep(forTimeInterval: 0.25)
        }
    }

    /// Kills the server and its worker processes at once (SIGKILL to its process group) and
    /// waits for it; the store stays for the next `start()`.
    public func stop() {
        guard let process else { return }
        kill(-process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
        // Uvicorn's worker may outlive its parent for a moment: wait (10 s at most) until the
        // port is closed.
        let deadline = Date().addingTimeInterval(10)
        while isListening() && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
    }

    /// `stop()` then `start()`: the same port, store and artifacts.
    public func restart(timeout: TimeInterval = 120) throws {
        stop()
        try start(timeout: timeout)
    }

    private func file(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// Whether the server answers `GET /health` with 200 (within 2 s).
    public func isHealthy() -> Bool {
        var request = URLRequest(url: URL(string: uri + "/health")!)
        request.timeoutInterval = 2
        let outcome = HealthOutcome()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { _, response, _ in
            outcome.status = (response as? HTTPURLResponse)?.statusCode
            done.signal()
        }.resume()
        done.wait()
        return outcome.status == 200
    }

    private func isListening() -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = FreePort.loopbackAddress(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

private final class HealthOutcome: @unchecked Sendable {
    var status: Int?
}

/// Free TCP ports on 127.0.0.1.
public enum FreePort {
    /// A port nothing listens on now (the kernel's pick for an ephemeral bind).
    public static func loopback() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw MLflowServer.Failure(description: "socket: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var address = loopbackAddress(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let status = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 ? getsockname(descriptor, $0, &length) : -1
            }
        }
        guard status == 0 else { throw MLflowServer.Failure(description: "bind 127.0.0.1:0: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func loopbackAddress(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
