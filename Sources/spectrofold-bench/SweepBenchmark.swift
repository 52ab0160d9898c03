import ArgumentParser
import Cluster
import Foundation

/// `spectrofold-bench sweep`: the wall time of one comparison sweep on a cluster of real
/// processes on this machine, once per worker count: a `spectrofold-coordinator` (no MLflow) and
/// N `spectrofold-worker`s, the binaries beside this one, over loopback TCP, with the sweep
/// handed over by `spectrofold submit --wait`. Every run starts on a fresh state directory and
/// fresh worker caches, so its first jobs fetch the dataset; the feature pack is made once and
/// shared by the runs (its featurising is in no run's `sweep_s`).
struct SweepBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sweep",
                                                    abstract: "Benchmark a sweep's wall time on a local cluster with 1, 2, … workers.")

    @Option(help: "The sweep configuration.") var config = "configs/demo.yaml"
    @Option(help: "A feature pack or raw data (default: the configuration's data.source).") var data: String?
    @Option(help: "Worker counts to run, comma-separated.") var workers = "1,2"
    @Option(help: "Compute threads of each worker.") var threads = 1
    @Option(name: .customLong("set"), help: ArgumentHelp("A configuration override passed to submit.", valueName: "KEY=VALUE"))
    var overrides: [String] = []
    @Option(help: "Where the runs' state, logs and the shared pack go (default: a temporary directory, removed).") var keep: String?
    @Flag(help: "Print one JSON object.") var json = false

    struct Run: Encodable {
        let workers: Int, threads_per_worker: Int, jobs: Int
        /// Coordinator time from the sweep's creation to its last result (no featurising, no upload).
        let sweep_s: Double
        /// The whole `spectrofold submit --wait` (hashing and uploading the pack included).
        let submit_s: Double
        /// Mean seconds of a succeeded attempt, per model, from the ledger.
        let job_s_mean: [String: Double]
        /// Busy worker time over workers × sweep_s.
        let utilisation: Double
        /// sweep_s of the first run over this run's.
        let speedup: Double
    }

    func run() throws {
        let counts = try workers.split(separator: ",").map { text -> Int in
            guard let count = Int(text.trimmingCharacters(in: .whitespaces)), count >= 1 else {
                throw ValidationError("--workers: '\(text)' is not a worker count")
            }
            return count
        }
        let directory = keep ?? NSTemporaryDirectory() + "spectrofold-bench-sweep-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { if keep == nil { try? FileManager.default.removeItem(atPath: directory) } }

        var runs: [Run] = []
        for count in counts {
            let measured = try measure(workers: count, in: (directory as NSString).appendingPathComponent("workers-\(count)"),
                                       packDirectory: (directory as NSString).appendingPathComponent("packs"),
                                       baseline: runs.first?.sweep_s)
            runs.append(measured)
            if !json {
                let jobs = measured.job_s_mean.sorted { $0.key < $1.key }.map { String(format: "%@ %.1f s", $0.key, $0.value) }
                print(String(format: "%d worker(s) × %d thread(s): %d jobs in %.1f s (submit %.1f s), utilisation %.2f, speedup %.2f; mean job: %@",
                             count, threads, measured.jobs, measured.sweep_s, measured.submit_s, measured.utilisation, measured.speedup,
                             jobs.joined(separator: ", ")))
            }
        }
        if json { print(String(decoding: try JSONEncoder().encode(["runs": runs]), as: UTF8.self)) }
    }

    /// One sweep on a fresh coordinator with `workers` workers; stops them all before returning.
    private func measure(workers count: Int, in directory: String, packDirectory: String, baseline: Double?) throws -> Run {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let services = Services(directory: directory)
        defer { services.stopAll() }
        let state = (directory as NSString).appendingPathComponent("state")
        try services.start("coordinator", "spectrofold-coordinator",
                                             ["--bind", "tcp://127.0.0.1:*", "--state", state])
        let endpoint = try services.waitForLine(in: "coordinator", prefix: "coordinator listening on ", timeout: 30)
            .split(separator: ";")[0].trimmingCharacters(in: .whitespaces)
        for index in 1...count {
            try services.start("worker-\(index)", "spectrofold-worker", [
                "--connect", endpoint, "--name", "bench-worker-\(index)", "--threads", String(threads),
                "--cache", (directory as NSString).appendingPathComponent("cache-\(index)"),
            ])
        }
        let client = try ClusterClient(endpoint: endpoint, security: nil, timeout: 5)
        let deadline = Date().addingTimeInterval(60)
        while try client.status().workers.filter({ $0.state == "alive" }).count < count {
            guard Date() < deadline else { throw ValidationError("\(count) workers did not connect within 60 s\n" + services.logTails()) }
            Thread.sleep(forTimeInterval: 0.2)
        }

        let started = Date()
        let submit = try services.start("submit", "spectrofold", ["submit", "--coordinator", endpoint, "--config", config,
                                                                  "--pack-dir", packDirectory, "--wait"]
                                        + (data.map { ["--data", $0] } ?? []) + overrides.flatMap { ["--set", $0] })
        submit.waitUntilExit()
        let submitSeconds = Date().timeIntervalSince(started)
        guard submit.terminationStatus == 0 else {
            throw ValidationError("spectrofold submit exited \(submit.terminationStatus)\n" + services.logTails())
        }
        guard let sweep = try client.status().sweeps.first, sweep.finished else {
            throw ValidationError("the coordinator reports no finished sweep\n" + services.logTails())
        }
        let ledger = try Ledger(path: (state as NSString).appendingPathComponent("ledger.sqlite"))
        var secondsByModel: [String: [Double]] = [:]
        for job in try ledger.jobs(sweep: sweep.id) {
            for attempt in try ledger.attempts(job: job.id) where attempt.outcome == .succeeded {
                if let ended = attempt.ended { secondsByModel[job.model, default: []].append(ended.timeIntervalSince(attempt.started)) }
            }
        }
        let jobSeconds = secondsByModel.mapValues { $0.reduce(0, +) / Double($0.count) }
        let busy = secondsByModel.values.joined().reduce(0, +)
        return Run(workers: count, threads_per_worker: threads, jobs: sweep.total, sweep_s: sweep.elapsedSeconds, submit_s: submitSeconds,
                   job_s_mean: jobSeconds, utilisation: busy / (Double(count) * sweep.elapsedSeconds),
                   speedup: (baseline ?? sweep.elapsedSeconds) / sweep.elapsedSeconds)
    }

    /// The processes of one run, each logging to `<name>.log` in the run's directory.
    final class Services {
        let directory: String
        private var processes: [String: Process] = [:]

        init(directory: String) { self.directory = directory }

        /// Starts the SpectroFold executable `program` (beside this binary) as `name`.
        @discardableResult
        func start(_ name: String, _ program: String, _ arguments: [String]) throws -> Process {
            let binaries = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            let process = Process()
            process.executableURL = binaries.appendingPathComponent(program)
            process.arguments = arguments
            let log = logPath(name)
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            process.standardOutput = handle
            process.standardError = handle
            do { try process.run() } catch { throw ValidationError("cannot start \(process.executableURL!.path): \(error) (build it first)") }
            processes[name] = process
            return process
        }

        /// The rest of the first line of `name`'s log after `prefix`, once it appears.
        func waitForLine(in name: String, prefix: String, timeout: TimeInterval) throws -> String {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                let text = (try? String(contentsOfFile: logPath(name), encoding: .utf8)) ?? ""
                if let range = text.range(of: prefix) {
                    return String(text[range.upperBound...].prefix { $0 != "\n" })
                }
                Thread.sleep(forTimeInterval: 0.1)
            }
            throw ValidationError("\(name) did not log '\(prefix)' within \(Int(timeout)) s\n" + logTails())
        }

        /// The last lines of every log, for error messages.
        func logTails() -> String {
            processes.keys.sorted().map { name in
                let text = (try? String(contentsOfFile: logPath(name), encoding: .utf8)) ?? ""
                return "--- \(name) (\(logPath(name)))\n" + text.split(separator: "\n").suffix(10).joined(separator: "\n")
            }.joined(separator: "\n")
        }

        /// SIGTERM to every process still running, then waits for each.
        func stopAll() {
            for process in processes.values where process.isRunning { process.terminate() }
            for process in processes.values { process.waitUntilExit() }
        }

        private func logPath(_ name: String) -> String { (directory as NSString).appendingPathComponent("\(name).log") }
    }
}
