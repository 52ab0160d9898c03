/// One step of recording a run, as the outbox stores it (JSON) and delivers it, in order.
///
/// Runs are named by a key of ours (`RunKey`) rather than MLflow's run id, which exists only once
/// `startRun` has been delivered. Every timestamp is taken when the event is recorded, so
/// delivering the same operation twice sends identical requests, which MLflow stores once.
enum TrackingOperation: Codable, Equatable {
    /// Creates the run unless a run tagged with its key exists; a child of `parentKey`'s run.
    case startRun(name: String, parentKey: String?, tags: [MLflowKeyValue], startTime: Int64)
    case log(metrics: [MLflowMetric], params: [MLflowKeyValue], tags: [MLflowKeyValue])
    case logInputs(datasets: [MLflowDatasetInput])
    /// `storedFile`: the copy's name in the outbox's artifact directory.
    case uploadArtifact(storedFile: String, artifactPath: String)
    case endRun(status: MLflowRunStatus, endTime: Int64)

    /// A short name for messages and the outbox's `kind` column.
    var kind: String {
        switch self {
        case .startRun: return "start-run"
        case .log: return "log-batch"
        case .logInputs: return "log-inputs"
        case .uploadArtifact(_, let artifactPath): return "upload \(artifactPath)"
        case .endRun(let status, _): return "end-run \(status.rawValue)"
        }
    }

    /// The outbox's artifact copy this operation needs until delivered.
    var storedFile: String? {
        if case .uploadArtifact(let storedFile, _) = self { return storedFile }
        return nil
    }
}

/// Our names for runs: one parent per sweep, one child per attempt of a job.
enum RunKey {
    /// The tag that carries the key on the MLflow run, searched before creating one.
    static let tag = "spectrofold.run_key"

    static func sweep(_ sweepId: String) -> String { "sweep/\(sweepId)" }

    static func job(_ job: JobIdentity) -> String { "job/\(job.sweepId)/\(job.jobId)/attempt-\(job.attempt)" }
}
