import Cluster
import Foundation
import Random
import RunRecords
import TestSupport
import XCTest

/// A tiny executor for the loop tests: hashes the dataset it was given, reports `epochs`
/// epochs, and returns a summary naming the job and the dataset digest; the state dict is the
/// job id's bytes. It opens `started` when called; with a gate it then waits for the gate to
/// open (or for cancellation); it opens `finished` when it returns a result.
struct DigestExecutor: JobExecutor {
    var epochs = 2
    var started: Gate?
    var gate: Gate?
    var finished: Gate?

    func execute(_ run: JobRun) throws -> JobOutput {
        started?.open()
        if let gate, !gate.wait(unless: run.isCancelled) { throw CancellationError() }
        let digest = try DatasetDirectory.digest(ofFileAt: run.datasetPath)
        for epoch in 0..<epochs {
            let record = EpochRecord(epoch: epoch, trainLoss: 1 / Double(epoch + 1), trainAccuracy: 0, learningRate: 0.1, seconds: 0.01)
            run.reportEpoch(EpochReport(epochs: epochs, samplesPerSecond: 100, record: record))
        }
        let summary = try JSONSerialization.data(withJSONObject: ["job": run.attempt.job, "dataset": digest], options: [.sortedKeys, .withoutEscapingSlashes])
        finished?.open()
        return JobOutput(summary: [UInt8](summary), stateDict: Array(run.attempt.job.utf8))
    }
}

/// A latch the test opens; executors wait on it.
final class Gate: @unchecked Sendable {
    private let condition = NSCondition()
    private var opened = false

    var isOpen: Bool {
        condition.lock()
        defer { condition.unlock() }
        return opened
    }

    func open() {
        condition.lock()
        opened = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until open (true) or until `cancelled` turns true (false); checks every 20 ms.
    func wait(unless cancelled: () -> Bool) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !opened {
            if cancelled() { return false }
            _ = condition.wait(until: Date().addingTimeInterval(0.02))
        }
        return true
    }
}

/// Coordinator events collected from its thread, with bounded waits for the one a test needs.
final class EventRecorder: @unchecked Sendable {
    private let condition = NSCondition()
    private var recorded: [CoordinatorEvent] = []

    var events: [CoordinatorEvent] {
        condition.lock()
        defer { condition.unlock() }
        return recorded
    }

    func record(_ event: CoordinatorEvent) {
        condition.lock()
        recorded.append(event)
        condition.broadcast()
        condition.unlock()
    }

    /// Waits (at most `seconds`, a failure deadline) for an event matching `predicate`.
    @discardableResult
    func wait(seconds: TimeInterval = 60, file: StaticString = #filePath, line: UInt = #line,
              for predicate: (CoordinatorEvent) -> Bool) -> CoordinatorEvent? {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let match = recorded.first(where: predicate) { return match }
            guard condition.wait(until: deadline) else {
                XCTFail("no matching coordinator event within \(seconds) s; got \(recorded)", file: file, line: line)
                return nil
            }
        }
    }
}

/// A sweep on real files: a ledger with sweep "s1" (models a, b × folds 0, 1), a dataset
/// directory holding one random dataset, a heartbeat log, and loop settings fast enough for
/// tests yet tolerant of a loaded machine (heartbeats every 0.2 s, dead after 2 s of silence,
/// leases of 5 s).
final class SweepBed {
    let directory: TemporaryDirectory
    let ledgerPath: String
    let ledger: Ledger
    let datasets: DatasetDirectory
    let digest: String
    let heartbeatLogPath: String
    let heartbeatLog: HeartbeatLog
    let logLines = LogLines()
    let recorder = EventRecorder()

    init(datasetBytes: Int = 2_500_000, maxAttempts: Int = 3) throws {
        directory = try TemporaryDirectory()
        ledgerPath = directory.file("ledger.sqlite")
        ledger = try Ledger(path: ledgerPath)
        datasets = try DatasetDirectory(path: directory.file("datasets"))
        var random = RandomGenerator(seed: 7)
        let source = directory.file("pack.safetensors")
        try Data(random.bytes(count: datasetBytes)).write(to: URL(fileURLWithPath: source))
        digest = try datasets.add(fileAt: source)
        heartbeatLogPath = directory.file("heartbeats.jsonl")
        heartbeatLog = try HeartbeatLog(path: heartbeatLogPath)
        let jobs = ["a", "b"].flatMap { model in (0..<2).map { NewJob(model: model, fold: $0, spec: #"{"model":"\#(model)","fold":\#($0)}"#) } }
        try ledger.createSweep(id: "s1", name: "test", dataset: digest, configuration: "{}", jobs: jobs, maxAttempts: maxAttempts, now: Date())
    }

    func configuration(endpoint: String = "tcp://127.0.0.1:*") -> CoordinatorConfiguration {
        var configuration = CoordinatorConfiguration(endpoint: endpoint)
        configuration.heartbeatInterval = 0.2
        configuration.livenessIntervals = 10
        configuration.leaseSeconds = 5
        configuration.statusInterval = 0.5
        configuration.chunkBytes = 1 << 20
        return configuration
    }

    func coordinator(_ configuration: CoordinatorConfiguration? = nil, ledger: Ledger? = nil) throws -> Coordinator {
        let coordinator = try Coordinator(configuration: configuration ?? self.configuration(), ledger: ledger ?? self.ledger,
                                          datasets: datasets, heartbeatLog: heartbeatLog,
                                          log: { [logLines] in logLines.append($0) }, events: { [recorder] in recorder.record($0) })
        try coordinator.start()
        return coordinator
    }

    func worker(_ name: String, endpoint: String, executor: JobExecutor = DigestExecutor(),
                security: CurveClientSecurity? = nil) throws -> Worker {
        var configuration = WorkerConfiguration(endpoint: endpoint, version: "test", cacheDirectory: directory.file("cache-\(name)"), name: name)
        configuration.reconnectInitial = 0.2
        configuration.reconnectMaximum = 1
        configuration.security = security
        let worker = try Worker(configuration: configuration, executor: executor, log: { [logLines] in logLines.append($0) })
        worker.start()
        return worker
    }

    /// The heartbeat log's lines, parsed.
    func heartbeatLines() throws -> [[String: Any]] {
        try String(contentsOfFile: heartbeatLogPath, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    func remove() { directory.remove() }
}

extension CoordinatorEvent {
    var isSweepFinished: Bool { if case .sweepFinished = self { return true } else { return false } }
}

/// Waits (at most `seconds`, a failure deadline) until `condition` holds; checks every 20 ms.
func waitUntil(seconds: TimeInterval = 60, _ what: String, file: StaticString = #filePath, line: UInt = #line,
               _ condition: () throws -> Bool) rethrows {
    let deadline = Date().addingTimeInterval(seconds)
    while try !condition() {
        guard Date() < deadline else { return XCTFail("not within \(seconds) s: \(what)", file: file, line: line) }
        usleep(20_000)
    }
}
