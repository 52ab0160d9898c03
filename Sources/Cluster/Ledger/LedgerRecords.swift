import Foundation

/// A job's place in its life: queued → leased → done, or back to queued when an attempt ends
/// without a result, or failed when its last allowed attempt does.
public enum JobState: String, Sendable {
    case queued, leased, done, failed
}

/// How one attempt ended (`running` while it has not).
public enum AttemptOutcome: String, Sendable {
    case running, succeeded, failed, expired
    /// The worker was declared dead (silent past its liveness) or said BYE.
    case workerLost = "worker-lost"
    /// Another attempt's result was accepted first.
    case superseded
}

public enum WorkerState: String, Sendable {
    case alive, dead, gone
}

/// A job to create: one model on one fold of one repeat, with the spec a worker trains (JSON
/// object text). `path` is the tail of its id: `<model>/fold-<k>`, or `<model>/rep-<r>/fold-<k>`.
/// `cost` is its planned cost in `JobCost` units: the costliest queued job is leased first.
public struct NewJob: Sendable {
    public let model: String
    public let `repeat`: Int
    public let fold: Int
    public let path: String
    public let spec: String
    public let cost: Double
    public init(model: String, repeat: Int = 0, fold: Int, path: String? = nil, spec: String, cost: Double = 1) {
        (self.model, self.repeat, self.fold, self.spec, self.cost) = (model, `repeat`, fold, spec, cost)
        self.path = path ?? "\(model)/fold-\(fold)"
    }
}

public struct JobRecord: Equatable, Sendable {
    /// "<sweep>/<path>" (`NewJob.path`).
    public let id: String
    public let sweep: String
    public let model: String
    public let `repeat`: Int
    public let fold: Int
    public let spec: String
    public let state: JobState
    /// Attempts started so far.
    public let attempts: Int
    public let maxAttempts: Int
    /// Why the job failed (its last attempt's reason), when it did.
    public let failure: String?
    /// A model's refit on all the sweep's data (REFIT), kept with fold -1; not one of the comparison's jobs.
    public var isRefit: Bool { fold < 0 }
    /// Its planned cost in `JobCost` units.
    public let cost: Double
}

public struct AttemptRecord: Equatable, Sendable {
    public let job: String
    public let attempt: Int
    public let worker: String
    public let started: Date
    public let ended: Date?
    public let outcome: AttemptOutcome
    public let reason: String?
    /// The last epoch the worker reported (0-based), if any.
    public let epoch: Int?
}

/// A job leased to a worker: what ASSIGN carries.
public struct LeasedJob: Equatable, Sendable {
    public let job: String
    public let attempt: Int
    public let sweep: String
    /// The sweep's dataset digest.
    public let dataset: String
    public let spec: String
    public let expires: Date
    public init(job: String, attempt: Int, sweep: String, dataset: String, spec: String, expires: Date) {
        self.job = job; self.attempt = attempt; self.sweep = sweep; self.dataset = dataset; self.spec = spec; self.expires = expires
    }
}

/// Job counts of one sweep.
public struct SweepStatus: Equatable, Sendable {
    public let id: String
    public let name: String
    public let dataset: String
    /// True once every job is done or failed.
    public let finished: Bool
    public let queued: Int
    public let leased: Int
    public let done: Int
    public let failed: Int
    public var total: Int { queued + leased + done + failed }
    public init(id: String, name: String, dataset: String, finished: Bool, queued: Int, leased: Int, done: Int, failed: Int) {
        self.id = id; self.name = name; self.dataset = dataset; self.finished = finished
        self.queued = queued; self.leased = leased; self.done = done; self.failed = failed
    }
}

public struct WorkerRecord: Equatable, Sendable {
    public let id: String
    public let host: String
    public let cores: Int
    public let version: String
    public let state: WorkerState
    public let firstSeen: Date
    public let lastBeat: Date
    /// The attempt it last reported working on, and its epoch.
    public let job: String?
    public let attempt: Int?
    public let epoch: Int?
}

/// An attempt that ended without a result, and what became of its job.
public struct EndedAttempt: Equatable, Sendable {
    public let attempt: JobAttempt
    public let worker: String
    public let outcome: AttemptOutcome
    /// True when this was the job's last allowed attempt: the job failed with `reason`.
    public let jobFailed: Bool
    public let reason: String
    public init(attempt: JobAttempt, worker: String, outcome: AttemptOutcome, jobFailed: Bool, reason: String) {
        self.attempt = attempt; self.worker = worker; self.outcome = outcome; self.jobFailed = jobFailed; self.reason = reason
    }
}

/// What the ledger made of a RESULT. Every case is acknowledged to the worker.
public enum ResultDisposition: Equatable, Sendable {
    /// Recorded as the job's result. `superseded` lists other running attempts of the job, now
    /// ended; their workers should get CANCEL.
    case accepted(superseded: [HeldAttempt])
    /// The job already has a result, or failed for good: dropped.
    case dropped(reason: String)
}

/// An attempt and the worker holding it.
public struct HeldAttempt: Equatable, Sendable {
    public let attempt: JobAttempt
    public let worker: String
    public init(attempt: JobAttempt, worker: String) { self.attempt = attempt; self.worker = worker }
}

/// A request the ledger cannot carry out, naming the ledger file and the thing at fault.
public struct LedgerError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let message: String
    public var description: String { "\(path): \(message)" }
}
