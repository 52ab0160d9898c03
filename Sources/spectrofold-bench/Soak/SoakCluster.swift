import Cluster
import Foundation
import ProcessHarness

/// The processes of a soak run, each restartable on the same state: one MLflow server, one
/// `spectrofold-coordinator` on a fixed loopback port and state directory, and N
/// `spectrofold-worker`s with their own caches. The SpectroFold binaries are the ones beside
/// this executable. Each process appends to `<name>.log` in `directory` across restarts.
final class SoakCluster {
    let directory: String
    let mlflow: MLflowServer
    let port: Int
    let workerNames: [String]
    /// Coordinator flags besides bind, state and MLflow.
    let coordinatorArguments: [String]
    var endpoint: String { "tcp://127.0.0.1:\(port)" }
    var stateDirectory: String { path("state") }
    private var processes: [String: Process] = [:]
    /// Processes stopped with SIGSTOP and not yet continued.
    private(set) var stopped: Set<String> = []

    init(directory: String, python: String, workers: Int, coordinatorArguments: [String]) throws {
        self.directory = directory
        mlflow = try MLflowServer(directory: (directory as NSString).appendingPathComponent("mlflow"), python: python)
        port = try FreePort.loopback()
        workerNames = (1...workers).map { "w\($0)" }
        self.coordinatorArguments = coordinatorArguments
    }

    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// Starts MLflow (waiting until healthy), the coordinator (until it listens) and the workers.
    func startAll() throws {
        try mlflow.start()
        try startCoordinator()
        for worker in workerNames { try startWorker(worker) }
    }

    /// Starts the coordinator and waits (30 s at most) until this start logged that it listens.
    func startCoordinator() throws {
        let listening = log("coordinator").components(separatedBy: "coordinator listening on").count
        try start("coordinator", "spectrofold-coordinator",
                  ["--bind", endpoint, "--state", stateDirectory, "--mlflow", mlflow.uri] + coordinatorArguments)
        let deadline = Date().addingTimeInterval(30)
        while log("coordinator").components(separatedBy: "coordinator listening on").count == listening {
            guard isRunning("coordinator"), Date() < deadline else {
                throw SoakError("the coordinator did not listen within 30 s\n" + logTails())
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    func startWorker(_ name: String) throws {
        try start(name, "spectrofold-worker", ["--connect", endpoint, "--name", name, "--threads", "1", "--cache", path("cache-\(name)")])
    }

    /// Runs `spectrofold ARGUMENTS` to its end, logging to `<name>.log`; returns its exit status.
    func run(_ name: String, _ arguments: [String]) throws -> Int32 {
        let process = try start(name, "spectrofold", arguments)
        process.waitUntilExit()
        return process.terminationStatus
    }

    func isRunning(_ name: String) -> Bool { processes[name]?.isRunning ?? false }

    /// SIGKILL, then waits for the process to end.
    func kill(_ name: String) {
        guard let process = processes[name], process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        stopped.remove(name)
    }

    /// SIGSTOP: the process freezes, its sockets stay open.
    func freeze(_ name: String) {
        guard let process = processes[name], process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGSTOP)
        stopped.insert(name)
    }

    /// SIGCONT to a frozen process.
    func thaw(_ name: String) {
        guard let process = processes[name], stopped.remove(name) != nil else { return }
        Foundation.kill(process.processIdentifier, SIGCONT)
    }

    /// Thaws what is frozen and SIGTERMs every SpectroFold process, waiting for each; then
    /// stops MLflow.
    func stopAll() {
        for name in stopped { thaw(name) }
        for process in processes.values where process.isRunning { process.terminate() }
        for process in processes.values { process.waitUntilExit() }
        mlflow.stop()
    }

    /// Everything `name` logged so far.
    func log(_ name: String) -> String { (try? String(contentsOfFile: logPath(name), encoding: .utf8)) ?? "" }

    /// The last lines of every log, for error messages.
    func logTails() -> String {
        (processes.keys.sorted() + ["mlflow/server"]).map { name in
            "--- \(name) (\(logPath(name)))\n" + log(name).split(separator: "\n").suffix(10).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    @discardableResult
    private func start(_ name: String, _ program: String, _ arguments: [String]) throws -> Process {
        let binaries = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let process = Process()
        process.executableURL = binaries.appendingPathComponent(program)
        process.arguments = arguments
        if !FileManager.default.fileExists(atPath: logPath(name)) { _ = FileManager.default.createFile(atPath: logPath(name), contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath(name)))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        do { try process.run() } catch { throw SoakError("cannot start \(process.executableURL!.path): \(error) (build it first)") }
        processes[name] = process
        return process
    }

    private func logPath(_ name: String) -> String { path("\(name).log") }
}

/// A soak run that could not be carried out (as opposed to one whose checks failed).
struct SoakError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
