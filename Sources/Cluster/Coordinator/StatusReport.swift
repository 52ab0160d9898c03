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
        /// Seconds to the end at the current pace; nil until a job has finished or reported an epoch.
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

/// The remaining time of a sweep from how long its jobs take: finished jobs give the mean job
/// time; before any has finished, running jobs' epochs extrapolate. The work left is shared by
/// the live workers.
public enum SweepETA {
    public static func seconds(jobSeconds: [Double], running: [StatusReport.RunningJob], queued: Int, workers: Int) -> Double? {
        let extrapolated = running.compactMap { job -> Double? in
            guard let epochs = job.epochs, job.epochsDone > 0 else { return nil }
            return job.elapsedSeconds * Double(epochs) / Double(job.epochsDone)
        }
        let known = jobSeconds.isEmpty ? extrapolated : jobSeconds
        guard !known.isEmpty else { return queued == 0 && running.isEmpty ? 0 : nil }
        let meanJob = known.reduce(0, +) / Double(known.count)
        let runningLeft = running.reduce(0.0) { $0 + max(0, meanJob - $1.elapsedSeconds) }
        return (Double(queued) * meanJob + runningLeft) / Double(max(workers, 1))
    }
}
