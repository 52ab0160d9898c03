import RunRecords

/// What a worker runs for each job; the Trainer implements it. Called on the worker's work
/// thread, one job at a time.
public protocol JobExecutor: Sendable {
    /// Trains one job: the spec and dataset in `run`; reports each finished epoch through
    /// `run.reportEpoch`; checks `run.isCancelled()` between steps and returns or throws soon
    /// after it turns true (the outcome is then discarded). A thrown error becomes FAILED with
    /// the error's description as the reason, permanent when it is a `PermanentJobFailure`.
    func execute(_ run: JobRun) throws -> JobOutput
}

/// Thrown by an executor for a job that no retry can help (its configuration or data is at
/// fault): the worker reports it FAILED as permanent, and the job fails at once.
public struct PermanentJobFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// One attempt at one job, as the executor sees it.
public struct JobRun: Sendable {
    public let attempt: JobAttempt
    /// The job's spec: a JSON object (UTF-8), as the coordinator's sweep made it.
    public let spec: [UInt8]
    /// The dataset (feature pack) file, verified against its digest.
    public let datasetPath: String
    /// Every file of the job (the dataset, its model's checkpoint) by digest → verified local path.
    public let files: [String: String]
    public let reportEpoch: @Sendable (EpochReport) -> Void
    public let isCancelled: @Sendable () -> Bool

    public init(attempt: JobAttempt, spec: [UInt8], datasetPath: String, files: [String: String] = [:],
                reportEpoch: @escaping @Sendable (EpochReport) -> Void, isCancelled: @escaping @Sendable () -> Bool) {
        self.attempt = attempt; self.spec = spec; self.datasetPath = datasetPath; self.files = files
        self.reportEpoch = reportEpoch; self.isCancelled = isCancelled
    }
}

/// One finished epoch.
public struct EpochReport: Sendable {
    /// The planned number of epochs.
    public let epochs: Int
    public let samplesPerSecond: Double
    /// The epoch just finished, as the trainer recorded it.
    public let record: EpochRecord

    public init(epochs: Int, samplesPerSecond: Double, record: EpochRecord) {
        self.epochs = epochs; self.samplesPerSecond = samplesPerSecond; self.record = record
    }
}

/// A finished job: a summary (a JSON object, UTF-8: best epoch, final metrics, ...) and the
/// best state dict (a safetensors file's bytes).
public struct JobOutput: Sendable {
    public let summary: [UInt8]
    public let stateDict: [UInt8]

    public init(summary: [UInt8], stateDict: [UInt8]) { self.summary = summary; self.stateDict = stateDict }
}
