import ArgumentParser
import Cluster
import Foundation

/// `spectrofold-bench cluster`: a coordinator and one worker in this process over loopback TCP,
/// with a ledger file and an executor that returns at once. Measures the dataset transfer rate
/// (ASSIGN to the executor's start: chunks over ZeroMQ, written to the cache, SHA-256 checked),
/// the dispatch latency (an executor's return to the next executor's start: RESULT, ledger
/// commit, ACK, the next lease and ASSIGN), and the time from a worker's death to its job's
/// next lease (a raw socket takes the first job and closes; default liveness settings).
struct ClusterBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cluster", abstract: "Benchmark dataset transfer and job dispatch.")

    @Option(help: "Dataset size in MiB.") var datasetMib = 64
    @Option(help: "Jobs in the sweep (the first one fetches the dataset).") var jobs = 30
    @Option(help: "Chunk size in KiB.") var chunkKib = 1024
    @Flag(help: "Print one JSON object.") var json = false

    struct Report: Encodable {
        let dataset_mib: Int, chunk_kib: Int, jobs: Int
        let transfer_mib_per_s: Double, dispatch_ms_median: Double, dispatch_ms_p90: Double, reassign_s: Double
    }

    /// Start and end times of each executor call, in call order.
    final class Timeline: JobExecutor, @unchecked Sendable {
        private let lock = NSLock()
        private(set) var calls: [(start: Date, end: Date)] = []

        func execute(_ run: JobRun) throws -> JobOutput {
            let start = Date()
            defer { lock.lock(); calls.append((start, Date())); lock.unlock() }
            return JobOutput(summary: Array("{}".utf8), stateDict: [])
        }

        var snapshot: [(start: Date, end: Date)] { lock.lock(); defer { lock.unlock() }; return calls }
    }

    func run() throws {
        let directory = NSTemporaryDirectory() + "spectrofold-bench-cluster-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = directory + "/pack.bin"
        var generator = SystemRandomNumberGenerator()
        let words = (0..<(datasetMib << 17)).map { _ in generator.next() as UInt64 }
        try words.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: source)) }
        let datasets = try DatasetDirectory(path: directory + "/datasets")
        let digest = try datasets.add(fileAt: source)
        let ledger = try Ledger(path: directory + "/ledger.sqlite")
        try ledger.createSweep(id: "bench", name: "bench", dataset: digest, configuration: "{}",
                               jobs: (0..<jobs).map { NewJob(model: "m", fold: $0, spec: "{}") }, maxAttempts: 2, now: Date())

        let leases = LeaseTimes()
        var configuration = CoordinatorConfiguration(endpoint: "tcp://127.0.0.1:*")
        configuration.chunkBytes = chunkKib * 1024
        let coordinator = try Coordinator(configuration: configuration, ledger: ledger, datasets: datasets, heartbeatLog: nil,
                                          log: { _ in }, events: { if case .jobLeased(let lease, let worker) = $0 { leases.record(lease, worker) } })
        try coordinator.start()
        defer { coordinator.stop() }
        let ghostDied = try leaseToAGhost(endpoint: coordinator.endpoint, leases: leases)
        let timeline = Timeline()
        let worker = try Worker(configuration: WorkerConfiguration(endpoint: coordinator.endpoint, version: "bench",
                                                                   cacheDirectory: directory + "/cache", name: "bench-worker"),
                                executor: timeline, log: { _ in })
        worker.start()
        defer { worker.stop() }
        let deadline = Date().addingTimeInterval(600)
        while try !ledger.sweepStatus("bench").finished {
            guard Date() < deadline else { throw ValidationError("the sweep did not finish within 10 minutes") }
            usleep(10_000)
        }

        let calls = timeline.snapshot
        guard let firstLease = leases.first(worker: "bench-worker"), let reassigned = leases.first(job: "bench/m/fold-0", attempt: 2),
              calls.count == jobs else { throw ValidationError("\(calls.count) of \(jobs) jobs ran") }
        let transfer = Double(datasetMib) / calls[0].start.timeIntervalSince(firstLease)
        let gaps = zip(calls, calls.dropFirst()).map { $1.start.timeIntervalSince($0.end) * 1000 }.sorted()
        let report = Report(dataset_mib: datasetMib, chunk_kib: chunkKib, jobs: jobs, transfer_mib_per_s: transfer,
                            dispatch_ms_median: gaps.isEmpty ? 0 : gaps[gaps.count / 2],
                            dispatch_ms_p90: gaps.isEmpty ? 0 : gaps[min(gaps.count - 1, gaps.count * 9 / 10)],
                            reassign_s: reassigned.timeIntervalSince(ghostDied))
        if json {
            print(String(decoding: try JSONEncoder().encode(report), as: UTF8.self))
        } else {
            print(String(format: "dataset %d MiB in %d KiB chunks: %.1f MiB/s; dispatch over %d jobs: median %.2f ms, p90 %.2f ms; "
                         + "dead worker's job leased again after %.2f s",
                         datasetMib, chunkKib, transfer, jobs - 1, report.dispatch_ms_median, report.dispatch_ms_p90, report.reassign_s))
        }
    }

    /// A worker that says HELLO, takes the first job and vanishes; returns when it closed.
    private func leaseToAGhost(endpoint: String, leases: LeaseTimes) throws -> Date {
        let context = try ZMQContext()
        let ghost = try ZMQSocket(context: context, type: .dealer)
        try ghost.set(.linger(milliseconds: 0))
        try ghost.set(.routingID(Array("ghost".utf8)))
        try ghost.connect(endpoint)
        try ghost.send(ProtocolCodec.encode(WorkerMessage.hello(WorkerHello(worker: "ghost", host: "-", cores: 1, version: "bench", datasets: []))))
        try ghost.send(ProtocolCodec.encode(WorkerMessage.heartbeat(WorkerHeartbeat())))
        let deadline = Date().addingTimeInterval(30)
        while leases.first(worker: "ghost") == nil {
            guard Date() < deadline else { throw ValidationError("the coordinator gave the ghost worker no job") }
            usleep(1000)
        }
        ghost.close()
        context.terminate()
        return Date()
    }

    /// Leases granted, with when (recorded from the coordinator's thread).
    final class LeaseTimes: @unchecked Sendable {
        private let lock = NSLock()
        private var leases: [(job: String, attempt: Int, worker: String, time: Date)] = []
        func record(_ lease: LeasedJob, _ worker: String) {
            lock.lock()
            leases.append((lease.job, lease.attempt, worker, Date()))
            lock.unlock()
        }
        func first(worker: String) -> Date? { lock.lock(); defer { lock.unlock() }; return leases.first { $0.worker == worker }?.time }
        func first(job: String, attempt: Int) -> Date? {
            lock.lock()
            defer { lock.unlock() }
            return leases.first { $0.job == job && $0.attempt == attempt }?.time
        }
    }
}
