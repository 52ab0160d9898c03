import Foundation

/// What `spectrofold status` shows (and prints with `--json`): the workers as the coordinator
/// sees them and the progress of its sweeps. Travels as the JSON payload of REPORT.
public struct StatusReport: Codable, Equatable, Sendable {
    /// The coordinator's endpoint and the report's time (seconds since 1970).
    public var coordinator: String
    public var time: Double
    public var workers: [Worker]
    public var sweeps: [Sweep]

    public struct Worker: Codable, Equatable, Sendable {
        public var id: String
        public var host: String
        public var cores: Int
        public var version: String
        /// alive, dead or gone.
        public var state: String
        /// Seconds since the last message from it.
        public var silentSeconds: Double
        public var job: String?
        public var attempt: Int?
        /// Epochs finished in the current job.
        public var epoch: Int?
        /// Its training rate in its last epoch, examples per second.
        public var samplesPerSecond: Double?
        /// The BLAS kernel it announced, with a warning when below its CPU's.
        public var blas: String?
    }

    public struct Sweep: Codable, Equatable, Sendable {
        public var id: String
        public var name: String
        public var finished: Bool
        public var total: Int
        public var queued: Int
        public var leased: Int
        public var done: Int
        public var failed: Int
        /// Attempts that ended without a result (lost workers, expired leases, failures).
        public var failedAttempts: Int
        public var elapsedSeconds: Double
        /// Seconds to the end (`SweepETA`: the longest-first schedule of the jobs left at their expected
        /// durations); nil until a job has finished or reported an epoch.
        public var etaSeconds: Double?
        public var running: [RunningJob]
        /// Jobs that failed for good, with the reason.
        public var failures: [FailedJob]
        /// Where the coordinator keeps the sweep's files, and its comparison table once finished.
        public var resultsDirectory: String
        public var comparison: String?
        /// The MLflow parent run, once MLflow has it.
        public var mlflowRun: String?
    }

    public struct RunningJob: Codable, Equatable, Sendable {
        public var job: String
        public var attempt: Int
        public var worker: String
        /// Epochs finished and planned.
        public var epochsDone: Int
        public var epochs: Int?
        public var elapsedSeconds: Double

        public init(job: String, attempt: Int, worker: String, epochsDone: Int, epochs: Int?, elapsedSeconds: Double) {
            self.job = job; self.attempt = attempt; self.worker = worker
            self.epochsDone = epochsDone; self.epochs = epochs; self.elapsedSeconds = elapsedSeconds
        }
    }

    public struct FailedJob: Codable, Equatable, Sendable {
        public var job: String
        public var reason: String
    }
}

/// The remaining time of a sweep: the schedule the coordinator follows, played out. Each live
/// worker first finishes its running job; then the queued jobs go, longest first (the lease
/// order), each to the worker free soonest. The ETA is when the last worker is done, so a long
/// job near the end counts in full rather than shared among workers.
public enum SweepETA {
    /// `queued`: the queued jobs' expected seconds; `runningLeft`: the seconds each running job
    /// still needs; `workers`: the live workers (at least one is assumed).
    public static func seconds(queued: [Double], runningLeft: [Double], workers: Int) -> Double {
        var free = runningLeft.map { max(0, $0) }.sorted(by: >).prefix(max(workers, 1)).map { $0 }
        free += Array(repeating: 0, count: max(workers, 1) - free.count)
        for job in queued.sorted(by: >) {
            let soonest = free.indices.min { free[$0] < free[$1] }!
            free[soonest] += job
        }
        return free.max() ?? 0
    }
}
