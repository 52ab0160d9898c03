import Cluster
import Config
import Foundation
import RunRecords
import Tracking
import Training

/// Keeps what the coordinator's sweeps produce, from its events: under `<state>/sweeps/<id>/`
/// the resolved configuration (config.yaml), each job's files (as a local sweep writes them) and,
/// when the sweep ends, results.json and the comparison report; and in MLflow (when a tracking
/// URI is set) the parent run per sweep, a child run per attempt created when it is leased,
/// epochs as workers report them, and the aggregates at the end. MLflow events go through a
/// durable outbox per experiment (`<state>/mlflow/`), so an MLflow outage loses nothing. At
/// start it replays, from the ledger, every sweep not completely recorded (the tracker records
/// each event once), so a coordinator killed between its ledger and its outbox loses nothing
/// either. Runs on the coordinator's thread.
public final class SweepRecorder: SweepBook, @unchecked Sendable {
    public let sweepsDirectory: String
    let ledger: Ledger
    private let trackingURI: String?
    private let stateDirectory: String
    private let log: @Sendable (String) -> Void
    var plans: [String: SweepPlan] = [:]
    /// The refit jobs planned so far, by job id (`SweepPlan.refit` reads every result of the sweep).
    var refits: [String: SweepPlan.PlannedJob] = [:]
    private var trackers: [String: SweepTracker] = [:]

    /// `trackingURI` nil records no MLflow runs.
    public init(stateDirectory: String, ledger: Ledger, trackingURI: String?, log: @escaping @Sendable (String) -> Void) throws {
        self.stateDirectory = stateDirectory
        sweepsDirectory = (stateDirectory as NSString).appendingPathComponent("sweeps")
        self.ledger = ledger
        self.trackingURI = trackingURI
        self.log = log
        try FileManager.default.createDirectory(atPath: sweepsDirectory, withIntermediateDirectories: true)
        for sweep in try ledger.sweeps() where !completelyRecorded(sweep.id, finished: try ledger.sweepStatus(sweep.id).finished) {
            replay(sweep.id)
        }
    }

    /// The directory of sweep `id`'s files.
    public func directory(of sweep: String) -> String { (sweepsDirectory as NSString).appendingPathComponent(sweep) }

    /// The MLflow URL of a sweep's parent run, once MLflow has it.
    public func parentRunURL(of sweep: String) -> String? {
        guard let plan = try? plan(sweep), let tracker = trackers[plan.experiment] else { return nil }
        return tracker.parentRunURL(sweepId: sweep)
    }

    /// Stops background deliveries (pending events stay in the outboxes).
    public func close() {
        for tracker in trackers.values { tracker.close() }
    }

    /// A sweep just created in the ledger.
    public func sweepCreated(_ sweep: SubmittedSweep) {
        report("sweep \(sweep.id)") { filed(try plan(sweep.id)) }
    }

    /// Writes the sweep's config.yaml and starts its parent run.
    private func filed(_ plan: SweepPlan) {
        plans[plan.id] = plan
        let directory = directory(of: plan.id)
        let configFile = (directory as NSString).appendingPathComponent("config.yaml")
        report("sweep \(plan.id)") {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try plan.configuration.write(toFile: configFile, atomically: true, encoding: .utf8)
            guard let tracker = try tracker(for: plan) else { return }
            let config = try ConfigLoader.load(yaml: plan.configuration, source: "sweep \(plan.id)")
            try tracker.sweepStarted(SweepDescription(sweepId: plan.id, name: plan.name, source: "spectrofold submit", params: config.flattened,
                                                      artifacts: [ArtifactFile(localPath: configFile, artifactPath: "config.yaml")],
                                                      dataset: dataset(plan)))
        }
    }

    /// Everything the coordinator recorded.
    public func record(_ event: CoordinatorEvent) {
        switch event {
        case .jobLeased(let lease, let worker): jobLeased(lease, worker: worker)
        case .progress(let progress, _): epoch(progress)
        case .resultAccepted(let attempt, _): resultAccepted(attempt)
        case .attemptEnded(let ended): attemptEnded(ended)
        case .sweepFinished(let status): sweepFinished(status.id)
        case .liveness, .messageDropped, .resultDropped: break
        }
    }

    private func jobLeased(_ lease: LeasedJob, worker: String) {
        report("job \(lease.job)") {
            let plan = try plan(lease.sweep)
            let record = try ledger.job(lease.job)
            guard let tracker = try tracker(for: plan) else { return }
            let planned = try plannedJob(record, of: plan)
            // The worker's thread count too: results are bit-identical only for equal thread counts.
            var params = planned.params
            params["compute_threads"] = try ledger.workers().first { $0.id == worker }.map { String($0.cores) }
            try tracker.jobStarted(JobStart(job: identity(lease.sweep, lease.job, lease.attempt), name: planned.path, model: record.model,
                                            repeat: record.repeat, fold: record.fold, worker: worker, params: params.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                                            dataset: dataset(plan)))
        }
    }

    private func epoch(_ progress: JobProgress) {
        report("job \(progress.job)") {
            let record = try ledger.job(progress.job)
            guard let tracker = try tracker(for: plan(record.sweep)) else { return }
            try tracker.epochFinished(identity(record.sweep, progress.job, progress.attempt), EpochMetrics(progress.record))
        }
    }

    /// Writes the job's files from its accepted result (unless there), logs every epoch of its
    /// history (those already logged from PROGRESS are skipped by the tracker; the others were
    /// reported while the coordinator was down), and finishes the child run: a job's with its
    /// held-out scores, a refit's with the comparison's (`cv/…`) and its config.yaml beside the model.
    private func resultAccepted(_ attempt: JobAttempt) {
        report("job \(attempt.job)") {
            let record = try ledger.job(attempt.job)
            guard let result = try ledger.result(job: attempt.job) else { return }
            let jobReport = try JSONCoding.decode(JobReport.self, from: Data(result.summary.utf8))
            let plan = try plan(record.sweep)
            let planned = try plannedJob(record, of: plan)
            let directory = (directory(of: record.sweep) as NSString).appendingPathComponent(planned.path)
            let artifacts = JobArtifacts(directory: directory)
            let configFile = (directory as NSString).appendingPathComponent("config.yaml")
            if !FileManager.default.fileExists(atPath: artifacts.stateDict) {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                if planned.job.isRefit { try plan.configuration.write(toFile: configFile, atomically: true, encoding: .utf8) }
                for name in JobReport.fileNames(artifacts, heldOut: !planned.job.isRefit) {
                    guard let text = jobReport.files[name] else { throw ClusterError("result of \(attempt.job) lacks \(name)") }
                    try text.write(toFile: (directory as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8)
                }
                try Data(result.stateDict).write(to: URL(fileURLWithPath: artifacts.stateDict), options: .atomic)
            }
            guard let tracker = try tracker(for: plan) else { return }
            let job = identity(record.sweep, attempt.job, result.attempt)
            for epoch in jobReport.outcome.epochs { try tracker.epochFinished(job, EpochMetrics(epoch)) }
            if planned.job.isRefit {
                let card = try ModelCard.read(contentsOf: artifacts.modelCard)
                try tracker.runFinished(job, metrics: card.scores.crossValidationMetrics, artifacts: ArtifactFile.of(artifacts)
                                        + [ArtifactFile(localPath: configFile, artifactPath: "model/config.yaml")])
            } else if let scores = FoldScores(jobReport.outcome) {
                try tracker.jobFinished(job, Tracking.JobResult(scores: scores, artifacts: ArtifactFile.of(artifacts)))
            }
        }
    }

    private func attemptEnded(_ ended: EndedAttempt) {
        report("job \(ended.attempt.job)") {
            let record = try ledger.job(ended.attempt.job)
            guard let tracker = try tracker(for: plan(record.sweep)) else { return }
            try tracker.jobFailed(identity(record.sweep, ended.attempt.job, ended.attempt.attempt),
                                  error: "\(ended.outcome.rawValue): \(ended.reason)")
        }
    }

    /// Writes results.json and the report, and ends the parent run with the aggregates.
    private func sweepFinished(_ sweep: String) {
        report("sweep \(sweep)") {
            let plan = try plan(sweep)
            let results = plan.results(try ledger.outcomes(of: plan))
            let reportFiles = try results.write(to: directory(of: sweep), context: try context(plan))
            try tracker(for: plan)?.sweepFinished(sweepId: sweep, SweepSummary(results, reportFiles: reportFiles))
        }
    }

    /// sweep.json of a finished sweep: its configuration and dataset from the plan, its start,
    /// wall time and every job's attempts from the ledger.
    private func context(_ plan: SweepPlan) throws -> SweepContext {
        let times = try ledger.sweeps().first { $0.id == plan.id }
        var attempts: [String: [AttemptSummary]] = [:]
        for job in plan.jobs {
            attempts[job.path] = try ledger.attempts(job: Ledger.jobID(sweep: plan.id, path: job.path)).map { a in
                AttemptSummary(worker: a.worker, outcome: a.outcome.rawValue, reason: a.reason, seconds: a.ended.map { $0.timeIntervalSince(a.started) })
            }
        }
        return SweepContext(configuration: plan.configuration, dataset: plan.datasetSummary, runner: "cluster", started: times?.created,
                            wallSeconds: times.map { ($0.ended ?? Date()).timeIntervalSince($0.created) }, attempts: attempts)
    }

    // MARK: - Replay after a restart

    /// Whether a sweep's files and MLflow runs are complete: it ended, its results.json is
    /// written and (with tracking) its parent run's end is recorded.
    private func completelyRecorded(_ sweep: String, finished: Bool) -> Bool {
        let results = (directory(of: sweep) as NSString).appendingPathComponent("results.json")
        guard finished, FileManager.default.fileExists(atPath: results) else { return false }
        guard let plan = try? plan(sweep), let tracker = try? tracker(for: plan) else { return trackingURI == nil }
        return (try? tracker.recordedEnd(ofSweep: sweep)) == true
    }

    /// Records a sweep again from the ledger: its start, every attempt's start, epochs and end,
    /// and the sweep's end if it has one. What was recorded before is skipped by the tracker.
    private func replay(_ sweep: String) {
        report("replay of sweep \(sweep)") {
            let plan = try plan(sweep)
            filed(plan)
            for job in try ledger.jobs(sweep: sweep) {
                for attempt in try ledger.attempts(job: job.id) {
                    let leased = LeasedJob(job: job.id, attempt: attempt.attempt, sweep: sweep, dataset: plan.dataset, spec: job.spec,
                                           expires: attempt.started)
                    jobLeased(leased, worker: attempt.worker)
                    for (epoch, text) in try ledger.progress(job: job.id, attempt: attempt.attempt) {
                        report("epoch \(epoch) of job \(job.id) attempt \(attempt.attempt)") {
                            let record = try JSONCoding.decode(EpochRecord.self, from: Data(text.utf8))
                            self.epoch(JobProgress(job: job.id, attempt: attempt.attempt, epochs: epoch + 1, samplesPerSecond: 0, record: record))
                        }
                    }
                    switch attempt.outcome {
                    case .running: break
                    case .succeeded: resultAccepted(JobAttempt(job: job.id, attempt: attempt.attempt))
                    case .failed, .expired, .workerLost, .superseded:
                        attemptEnded(EndedAttempt(attempt: JobAttempt(job: job.id, attempt: attempt.attempt), worker: attempt.worker,
                                                  outcome: attempt.outcome, jobFailed: false, reason: attempt.reason ?? attempt.outcome.rawValue))
                    }
                }
            }
            if try ledger.sweepStatus(sweep).finished { sweepFinished(sweep) }
        }
    }

    // MARK: - Helpers

    func plan(_ sweep: String) throws -> SweepPlan {
        if let plan = plans[sweep] { return plan }
        let plan = try JSONCoding.decode(SweepPlan.self, from: Data(try ledger.sweepConfiguration(sweep).utf8))
        plans[sweep] = plan
        return plan
    }

    /// The tracker of the plan's experiment (one outbox per experiment), nil without a tracking URI.
    private func tracker(for plan: SweepPlan) throws -> SweepTracker? {
        guard let trackingURI else { return nil }
        if let tracker = trackers[plan.experiment] { return tracker }
        let directory = (stateDirectory as NSString).appendingPathComponent("mlflow")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let name = String(plan.experiment.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) ? Character($0) : "_" })
        let outbox = try TrackingOutbox(path: (directory as NSString).appendingPathComponent("\(name)-outbox.sqlite"))
        let tracker = try SweepTracker(outbox: outbox, settings: TrackingSettings(uri: trackingURI, experiment: plan.experiment),
                                       credentials: try MLflowCredentials(environment: ProcessInfo.processInfo.environment))
        trackers[plan.experiment] = tracker
        return tracker
    }

    private func identity(_ sweep: String, _ job: String, _ attempt: Int) -> JobIdentity {
        JobIdentity(sweepId: sweep, jobId: job, attempt: attempt)
    }

    private func dataset(_ plan: SweepPlan) -> DatasetReference {
        DatasetReference(name: plan.datasetName, digest: plan.dataset, source: plan.datasetSource)
    }

    /// Runs `body`; a failure is logged (with what it was about), never thrown into the coordinator.
    func report(_ subject: String, _ body: () throws -> Void) {
        do { try body() } catch { log("recorder: \(subject): \(error)") }
    }
}
