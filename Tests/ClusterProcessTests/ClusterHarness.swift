import Cluster
import Foundation
import SQLite
import TestSupport
import XCTest

/// A coordinator, workers and a submitting client as real processes of the release binaries,
/// talking over real sockets, in one temporary directory. Each process logs to `<name>.log`.
final class ClusterHarness {
    let directory: TemporaryDirectory
    let port: Int
    /// The address the coordinator binds and everyone connects to.
    var host = "127.0.0.1"
    var endpoint: String { "tcp://\(host):\(port)" }
    var stateDirectory: String { directory.file("state") }
    private(set) var services: [String: Process] = [:]

    init() throws {
        directory = try TemporaryDirectory(prefix: "spectrofold-cluster")
        port = try FreePort.loopback()
        try syntheticPack(count: 60, classes: 3, frames: 48, seed: 11).write(to: packPath)
    }

    var packPath: String { directory.file("pack.safetensors") }

    /// Starts `spectrofold-coordinator` on the state directory; `prefix` runs it through another
    /// program (e.g. `ip netns exec HOST`).
    func startCoordinator(_ arguments: [String] = [], prefix: [String] = []) throws {
        try start("coordinator", try BuiltProducts.executable("spectrofold-coordinator"),
                  ["--bind", endpoint, "--state", stateDirectory, "--heartbeat-log", heartbeatLogPath] + arguments, prefix: prefix)
        try waitFor("the coordinator to listen", timeout: 30) { self.log("coordinator").contains("coordinator listening on") }
    }

    func startWorker(_ name: String, _ arguments: [String] = [], threads: Int = 1, prefix: [String] = []) throws {
        try start(name, try BuiltProducts.executable("spectrofold-worker"),
                  ["--connect", endpoint, "--name", name, "--threads", String(threads), "--cache", directory.file("cache-\(name)")] + arguments,
                  prefix: prefix)
    }

    /// A coordinator (with `coordinatorArguments`) and one worker per name.
    func startCluster(_ coordinatorArguments: [String] = [], workers: [String] = ["w1", "w2"]) throws {
        try startCoordinator(coordinatorArguments)
        for worker in workers { try startWorker(worker) }
    }

    /// `spectrofold submit --wait` of `models` × `folds` with `epochs` on the synthetic pack, in the background.
    /// `name` names the process and its log; `data` defaults to the synthetic pack.
    func submit(models: [String], folds: Int, epochs: Int, _ arguments: [String] = [], name: String = "submit", data: String? = nil) throws {
        try start(name, try BuiltProducts.executable("spectrofold"), [
            "submit", "--coordinator", endpoint, "--data", data ?? packPath, "--models", models.joined(separator: ","),
            "--folds", String(folds), "--epochs", String(epochs), "--experiment", "cluster-tests",
            "--set", "name=cluster-test", "--set", "trainer.batch_size=8", "--set", "trainer.early_stopping.patience=0",
            "--wait",
        ] + arguments)
    }

    /// `spectrofold submit --refit --wait` of `model` of the ended sweep `sweep` (with `arguments`),
    /// in the background (process and log "refit").
    func refit(sweep: String, model: String, _ arguments: [String] = []) throws {
        try start("refit", try BuiltProducts.executable("spectrofold"),
                  ["submit", "--coordinator", endpoint, "--refit", "--sweep", sweep, "--model", model, "--wait"] + arguments)
    }

    var heartbeatLogPath: String { directory.file("heartbeats.jsonl") }

    /// The heartbeat log's lines so far, parsed (a line being written is left out).
    func heartbeatEvents() -> [[String: Any]] {
        let text = (try? String(contentsOfFile: heartbeatLogPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// Whether the heartbeat log holds a line of `event` whose fields include every one of `fields`.
    func heartbeatLogHas(_ event: String, _ fields: [String: String]) -> Bool {
        heartbeatEvents().contains { line in
            line["event"] as? String == event && fields.allSatisfy { key, value in line[key].map { "\($0)" } == value }
        }
    }

    /// Everything `name` printed so far.
    func log(_ name: String) -> String {
        (try? String(contentsOfFile: directory.file("\(name).log"), encoding: .utf8)) ?? ""
    }

    func isRunning(_ name: String) -> Bool { services[name]?.isRunning ?? false }

    func signal(_ name: String, _ number: Int32) {
        guard let process = services[name] else { return XCTFail("no process \(name)") }
        kill(process.processIdentifier, number)
        if number == SIGKILL { process.waitUntilExit() }
    }

    /// Waits for `name` to exit; returns its status.
    func waitForExit(_ name: String, timeout: TimeInterval) throws -> Int32 {
        guard let process = services[name] else { throw ClusterError("no process \(name)") }
        try waitFor("\(name) to exit", timeout: timeout) { !process.isRunning }
        return process.terminationStatus
    }

    /// Polls `condition` every 0.1 s; throws (with every log's tail) when `timeout` passes first.
    func waitFor(_ what: String, timeout: TimeInterval, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw ClusterError("timed out after \(Int(timeout)) s waiting for \(what)\n" + logTails())
    }

    /// The last lines of every process's log, for failure messages.
    func logTails() -> String {
        services.keys.sorted().map { name in
            "--- \(name)\n" + log(name).split(separator: "\n").suffix(15).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// The coordinator's view, asked over the client protocol.
    func status() throws -> StatusReport {
        try ClusterClient(endpoint: endpoint, security: nil, timeout: 5).status()
    }

    /// The ledger, read beside the running coordinator.
    func ledger() throws -> SQLiteDatabase { try SQLiteDatabase(path: (stateDirectory as NSString).appendingPathComponent("ledger.sqlite")) }

    /// Waits until `worker` is on a job and has finished at least `epochs` epochs of it; returns the job.
    func waitUntilTraining(_ worker: String, epochs: Int = 1, timeout: TimeInterval = 120) throws -> String {
        var job: String?
        try waitFor("\(worker) to train \(epochs) epochs of a job", timeout: timeout) {
            let database = try ledger()
            let row = try database.query("SELECT job FROM attempts WHERE worker = ? AND outcome = 'running' AND epoch >= ?",
                                         [.text(worker), .integer(Int64(epochs - 1))]).first
            job = row?["job"].string
            return job != nil
        }
        return job!
    }

    /// Stops every process still running (SIGKILL) and removes the directory unless `keep`.
    func tearDown(keep: Bool = false) {
        for process in services.values where process.isRunning {
            kill(process.processIdentifier, SIGCONT)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        if !keep { directory.remove() }
    }

    private func start(_ name: String, _ executable: String, _ arguments: [String], prefix: [String] = []) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: prefix.first ?? executable)
        process.arguments = Array(prefix.dropFirst()) + (prefix.isEmpty ? [] : [executable]) + arguments
        let logPath = directory.file("\(name).log")
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        services[name] = process
    }
}

/// A test case with a fresh `ClusterHarness` per test; a failed test keeps its directory (logs,
/// ledger, results) and says where.
class ClusterProcessTestCase: XCTestCase {
    var harness: ClusterHarness!

    override func setUpWithError() throws {
        harness = try ClusterHarness()
    }

    override func tearDown() {
        let failed = (testRun?.totalFailureCount ?? 0) > 0
        harness?.tearDown(keep: failed)
        if failed, let harness { print("cluster test files kept in \(harness.directory.path)") }
    }
}
