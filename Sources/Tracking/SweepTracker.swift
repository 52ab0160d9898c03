import Foundation

/// Records a sweep in MLflow: one parent run per sweep, one child run per job attempt.
///
/// Every call validates its event, records it in the outbox (SQLite, durable) and returns; a
/// background thread delivers recorded events in order, so training never waits for MLflow and
/// loses nothing while it is down. `flush()` delivers what is pending and says what is left.
/// Each event is recorded once per run (a run's start, each epoch, its end as finished or as
/// failed): calling again with the same one is a no-op, so a restarted coordinator can replay
/// everything from its ledger without duplicating anything.
///
/// ```swift
/// let outbox = try TrackingOutbox(path: stateDirectory + "/mlflow-outbox.sqlite")
/// let tracker = try SweepTracker(outbox: outbox, settings: settings, credentials: credentials)
/// try tracker.sweepStarted(SweepDescription(sweepId: id, name: "demo", params: config.flattened))
/// try tracker.jobStarted(JobStart(job: job, model: "ast", fold: 0, worker: "local", params: hyper))
/// try tracker.epochFinished(job, EpochMetrics(record))
/// try tracker.jobFinished(job, JobResult(scores: scores, artifacts: files))
/// try tracker.sweepFinished(sweepId: id, SweepSummary(results: results, comparisonMarkdown: table, artifacts: charts))
/// print(tracker.flush())
/// ```
public final class SweepTracker: @unchecked Sendable {
    public let outbox: TrackingOutbox
    public let settings: TrackingSettings
    private let delivery: OutboxDelivery
    private var background: BackgroundDelivery?

    /// Records into `outbox` for delivery to `settings` (remembered in the outbox, for
    /// `spectrofold mlflow flush`). `deliverInBackground: false` leaves delivery to `flush()`.
    public init(outbox: TrackingOutbox, settings: TrackingSettings, credentials: MLflowCredentials,
                retry: MLflowRetryPolicy = .standard, deliverInBackground: Bool = true) throws {
        self.outbox = outbox
        self.settings = settings
        let client = try MLflowClient(uri: settings.uri, credentials: credentials, retry: retry)
        delivery = OutboxDelivery(outbox: outbox, client: client, experimentName: settings.experiment)
        try outbox.setDestination(settings)
        if deliverInBackground {
            background = BackgroundDelivery(delivery: delivery)
            background?.wake()  // events left by an earlier process
        }
    }

    deinit { background?.stop() }

    // MARK: - Sweep (parent run)

    public func sweepStarted(_ sweep: SweepDescription) throws {
        let what = "sweep \(sweep.sweepId)"
        try TrackingLimits.checkIdentifier(sweep.sweepId, "sweep id")
        try TrackingLimits.checkParams(sweep.params, of: what)
        var tags = [MLflowKeyValue("sweep_id", sweep.sweepId)]
        if let source = sweep.source {
            tags += [MLflowKeyValue("mlflow.source.name", source), MLflowKeyValue("mlflow.source.type", "LOCAL")]
        }
        if let commit = sweep.gitCommit { tags.append(MLflowKeyValue("mlflow.source.git.commit", commit)) }
        let key = RunKey.sweep(sweep.sweepId)
        guard try !outbox.isRecorded(Mark.started(key)) else { return }
        var operations: [TrackingOperation] = [
            .startRun(name: sweep.name, parentKey: nil, tags: tags, startTime: Self.now()),
            .log(metrics: [], params: sweep.params.map { MLflowKeyValue($0.key, $0.value) }, tags: []),
        ]
        if let dataset = sweep.dataset { operations.append(.logInputs(datasets: [Self.input(dataset)])) }
        operations += try uploads(sweep.artifacts, of: what)
        try record(operations, for: key, mark: Mark.started(key))
    }

    /// Logs the aggregates of `summary.results` (`SweepAggregates`) and `summary.intervals`, the comparison table as the
    /// parent's note, the comparison artifacts, and ends the parent run FINISHED.
    public func sweepFinished(sweepId: String, _ summary: SweepSummary) throws {
        let what = "sweep \(sweepId)"
        try TrackingLimits.checkIdentifier(sweepId, "sweep id")
        try TrackingLimits.checkTagValue("mlflow.note.content", summary.comparisonMarkdown, of: what)
        let key = RunKey.sweep(sweepId)
        guard try !outbox.isRecorded(Mark.finished(key)) else { return }
        let time = Self.now()
        let metrics = (SweepAggregates.compute(summary.results) + summary.intervals)
            .map { MLflowMetric(key: $0.key, value: $0.value, timestamp: time, step: 0) }
        for metric in metrics { try TrackingLimits.checkKey(metric.key, "metric", of: what) }
        try record([.log(metrics: metrics, params: [], tags: [MLflowKeyValue("mlflow.note.content", summary.comparisonMarkdown)])]
                   + uploads(summary.artifacts, of: what)
                   + [.endRun(status: .finished, endTime: time)], for: key, mark: Mark.finished(key))
    }

    /// Whether the sweep's end (`sweepFinished`) was recorded.
    public func recordedEnd(ofSweep sweepId: String) throws -> Bool {
        try outbox.isRecorded(Mark.finished(RunKey.sweep(sweepId)))
    }

    /// Ends the parent run FAILED with `error` in its tag `error` (a sweep given up).
    public func sweepFailed(sweepId: String, error: String) throws {
        try TrackingLimits.checkIdentifier(sweepId, "sweep id")
        let key = RunKey.sweep(sweepId)
        try record(Self.failure(error), for: key, mark: Mark.failed(key))
    }

    // MARK: - Jobs (child runs)

    public func jobStarted(_ start: JobStart) throws {
        let what = "job \(start.job.jobId) attempt \(start.job.attempt)"
        try Self.checkJob(start.job)
        try TrackingLimits.checkParams(start.params, of: what)
        let missing = JobStart.requiredParams.filter { name in !start.params.contains { $0.key == name } }
        guard missing.isEmpty else {
            throw TrackingInputError("\(what): missing params \(missing.joined(separator: ", ")) (required: \(JobStart.requiredParams.joined(separator: ", ")))")
        }
        let place = [("repeat", start.repeat), ("fold", start.fold)].compactMap { name, value in value.map { (name, "\($0)") } }
        let tags = ([("sweep_id", start.job.sweepId), ("job_id", start.job.jobId), ("attempt", "\(start.job.attempt)"),
                     ("model", start.model)] + place + [("worker", start.worker)])
            .map { MLflowKeyValue($0.0, $0.1) }
        var operations: [TrackingOperation] = [
            .startRun(name: start.name, parentKey: RunKey.sweep(start.job.sweepId), tags: tags, startTime: Self.now()),
            .log(metrics: [], params: start.params.map { MLflowKeyValue($0.key, $0.value) }, tags: []),
        ]
        if let dataset = start.dataset { operations.append(.logInputs(datasets: [Self.input(dataset)])) }
        let key = RunKey.job(start.job)
        try record(operations, for: key, mark: Mark.started(key))
    }

    /// Logs one epoch's metrics with step = `metrics.epoch`, timestamp = `metrics.measuredAt`.
    public func epochFinished(_ job: JobIdentity, _ metrics: EpochMetrics) throws {
        try Self.checkJob(job)
        let time = Int64((metrics.measuredAt.timeIntervalSince1970 * 1000).rounded(.down))
        let points = metrics.record.metrics.map { MLflowMetric(key: $0.name, value: $0.value, timestamp: time, step: Int64(metrics.epoch)) }
        let key = RunKey.job(job)
        try record([.log(metrics: points, params: [], tags: [])], for: key, mark: Mark.epoch(metrics.epoch, key))
    }

    /// Logs the final scores as `final/<score>`, uploads the artifacts, ends the run FINISHED.
    public func jobFinished(_ job: JobIdentity, _ result: JobResult) throws {
        try runFinished(job, metrics: result.scores.named.map { ("final/\($0.name)", $0.value) }, artifacts: result.artifacts)
    }

    /// Logs `metrics` (step 0), uploads `artifacts`, ends the run FINISHED: a refit's end, whose
    /// scores are not its own held-out ones.
    public func runFinished(_ job: JobIdentity, metrics: [(key: String, value: Double)], artifacts: [ArtifactFile]) throws {
        try Self.checkJob(job)
        let key = RunKey.job(job)
        guard try !outbox.isRecorded(Mark.finished(key)) else { return }
        let time = Self.now()
        let points = metrics.map { MLflowMetric(key: $0.key, value: $0.value, timestamp: time, step: 0) }
        for point in points { try TrackingLimits.checkKey(point.key, "metric", of: "job \(job.jobId)") }
        try record([.log(metrics: points, params: [], tags: [])]
                   + uploads(artifacts, of: "job \(job.jobId) attempt \(job.attempt)")
                   + [.endRun(status: .finished, endTime: time)], for: key, mark: Mark.finished(key))
    }

    /// The first attempt of `jobId` this outbox has not started (1 for a job never run here).
    public func nextAttempt(sweepId: String, jobId: String) throws -> Int {
        var attempt = 1
        while try outbox.isRecorded(Mark.started(RunKey.job(JobIdentity(sweepId: sweepId, jobId: jobId, attempt: attempt)))) { attempt += 1 }
        return attempt
    }

    /// The MLflow run id and artifact URI of a job attempt's run, once delivered.
    public func delivered(_ job: JobIdentity) throws -> (runId: String, artifactURI: String)? {
        try outbox.run(for: RunKey.job(job)).map { ($0.runId, $0.artifactURI) }
    }

    /// Ends the run FAILED with `error` (cut to MLflow's 8000 characters) in its tag `error`.
    public func jobFailed(_ job: JobIdentity, error: String) throws {
        try Self.checkJob(job)
        let key = RunKey.job(job)
        try record(Self.failure(error), for: key, mark: Mark.failed(key))
    }

    /// The MLflow UI address of a sweep's parent run, once it was created there: the experiment
    /// and run ids are read from the run's artifact URI (`…/<experiment id>/<run id>/artifacts`).
    public func parentRunURL(sweepId: String) -> String? {
        guard let run = try? outbox.run(for: RunKey.sweep(sweepId)) else { return nil }
        let parts = run.artifactURI.split(separator: "/").map(String.init)
        guard let index = parts.lastIndex(of: run.runId), index > 0 else { return "\(settings.uri)/#/experiments" }
        let base = settings.uri.hasSuffix("/") ? String(settings.uri.dropLast()) : settings.uri
        let experiment = parts[index - 1].split(separator: ":").last.map(String.init) ?? parts[index - 1]
        return "\(base)/#/experiments/\(experiment)/runs/\(run.runId)"
    }

    // MARK: - Delivery

    /// Delivers everything pending now (waiting for a background pass in progress first) and
    /// reports what is left. With MLflow down it returns after the retries of one request.
    /// `progress` hears (delivered so far, still pending) after every 100 events.
    public func flush(progress: ((_ delivered: Int, _ pending: Int) -> Void)? = nil) -> FlushReport {
        delivery.deliverPending(progress: progress)
    }

    /// Stops background delivery after its current pass; what is pending stays in the outbox.
    public func close() {
        background?.stop()
        background = nil
    }

    // MARK: - Private

    private func record(_ operations: [TrackingOperation], for runKey: String, mark: String) throws {
        guard try outbox.record(operations.map { (runKey, $0) }, mark: mark) else { return }
        background?.wake()
    }

    /// The marks that make each event of a run recorded once.
    private enum Mark {
        static func started(_ runKey: String) -> String { "started \(runKey)" }
        static func epoch(_ epoch: Int, _ runKey: String) -> String { "epoch \(epoch) \(runKey)" }
        static func finished(_ runKey: String) -> String { "finished \(runKey)" }
        static func failed(_ runKey: String) -> String { "failed \(runKey)" }
    }

    private func uploads(_ artifacts: [ArtifactFile], of what: String) throws -> [TrackingOperation] {
        try artifacts.map { artifact in
            try TrackingLimits.checkArtifactPath(artifact.artifactPath, of: what)
            return .uploadArtifact(storedFile: try outbox.storeArtifact(artifact.localPath), artifactPath: artifact.artifactPath)
        }
    }

    private static func checkJob(_ job: JobIdentity) throws {
        try TrackingLimits.checkIdentifier(job.sweepId, "sweep id")
        try TrackingLimits.checkIdentifier(job.jobId, "job id")
    }

    private static func failure(_ error: String) -> [TrackingOperation] {
        let limit = TrackingLimits.maxTagValueLength
        let text = error.count <= limit ? error : String(error.prefix(limit - 1)) + "…"
        return [.log(metrics: [], params: [], tags: [MLflowKeyValue("error", text)]), .endRun(status: .failed, endTime: now())]
    }

    private static func input(_ dataset: DatasetReference) -> MLflowDatasetInput {
        let source = try! JSONSerialization.data(withJSONObject: ["uri": dataset.source, "digest": dataset.digest], options: [.sortedKeys])
        return MLflowDatasetInput(
            tags: [MLflowKeyValue("mlflow.data.context", "train")],
            dataset: MLflowDataset(name: dataset.name, digest: String(dataset.digest.prefix(36)), sourceType: "local",
                                   source: String(decoding: source, as: UTF8.self)))
    }

    /// Milliseconds since 1970.
    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
