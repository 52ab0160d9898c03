import RunRecords
import SweepRecording
import Config
import Data
import Foundation
import Tracking
import Training

/// Records a local sweep in MLflow through the outbox while passing every event on to the
/// progress display: the parent run at the start, a child run per job with its epochs, the
/// comparison at the end.
final class SweepTracking: SweepObserver {
    let tracker: SweepTracker
    let sweepId: String
    private let display: SweepObserver
    private let dataset: DatasetReference
    /// Each started job's path (`JobKey.path`).
    private var paths: [JobKey: String] = [:]

    /// Checks MLflow before any training (a wrong URI or credentials is an error here) and opens
    /// the outbox in `directory`.
    init(settings: TrackingSettings, directory: String, sweepId: String, display: SweepObserver, dataset: DatasetReference) throws {
        let credentials = try MLflowCredentials(environment: ProcessInfo.processInfo.environment)
        _ = try TrackingPreflight.check(settings, credentials: credentials)
        let outbox = try TrackingOutbox(path: (directory as NSString).appendingPathComponent(TrackingOutbox.defaultFileName))
        tracker = try SweepTracker(outbox: outbox, settings: settings, credentials: credentials)
        self.sweepId = sweepId
        self.display = display
        self.dataset = dataset
    }

    func sweepStarted(_ config: SweepConfig, configFile: String) throws {
        try tracker.sweepStarted(SweepDescription(sweepId: sweepId, name: config.name, source: "spectrofold sweep --local",
                                                  gitCommit: Self.gitCommit(), params: config.flattened,
                                                  artifacts: [ArtifactFile(localPath: configFile, artifactPath: "config.yaml")],
                                                  dataset: dataset))
    }

    func jobStarted(_ key: JobKey, path: String, params: [String: String]) -> TrainerObserver? {
        paths[key] = path
        let job = identity(path)
        do {
            try tracker.jobStarted(JobStart(job: job, name: path, model: key.model.rawValue, repeat: key.repeat, fold: key.fold, worker: "local",
                                            params: params.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, dataset: dataset))
        } catch {
            print("tracking: \(error)")
        }
        return EpochTracking(tracker: tracker, job: job, display: display.jobStarted(key, path: path, params: params))
    }

    func jobFinished(_ outcome: JobOutcome, artifacts: JobArtifacts?) {
        display.jobFinished(outcome, artifacts: artifacts)
        let job = identity(paths[outcome.key] ?? outcome.key.path(repeats: 1))
        do {
            if let artifacts, let scores = FoldScores(outcome) {
                try tracker.jobFinished(job, Tracking.JobResult(scores: scores, artifacts: ArtifactFile.of(artifacts)))
            } else {
                try tracker.jobFailed(job, error: outcome.error ?? "failed")
            }
        } catch {
            print("tracking: \(error)")
        }
    }

    /// Logs the aggregates, the comparison table and the report files on the parent run, ends it,
    /// and delivers what MLflow will take now; what is left stays in the outbox for `spectrofold mlflow flush`.
    func sweepFinished(_ results: SweepResults, reportFiles: [String]) throws {
        try tracker.sweepFinished(sweepId: sweepId, SweepSummary(results, reportFiles: reportFiles))
        let report = tracker.flush()
        tracker.close()
        print("tracking: \(report)")
    }

    private func identity(_ path: String) -> JobIdentity {
        JobIdentity(sweepId: sweepId, jobId: "\(sweepId)/\(path)", attempt: 1)
    }

    /// The commit of the working directory's git checkout, if there is one.
    private static func gitCommit() -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        process.arguments = ["rev-parse", "HEAD"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        process.waitUntilExit()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return process.terminationStatus == 0 && !text.isEmpty ? text : nil
    }
}

/// Logs each epoch of one job (step = epoch, 1-based) and passes batches and epochs on to the display.
final class EpochTracking: TrainerObserver {
    let tracker: SweepTracker
    let job: JobIdentity
    let display: TrainerObserver?

    init(tracker: SweepTracker, job: JobIdentity, display: TrainerObserver?) {
        (self.tracker, self.job, self.display) = (tracker, job, display)
    }

    func batchFinished(epoch: Int, batch: Int, of batches: Int, loss: Double) {
        display?.batchFinished(epoch: epoch, batch: batch, of: batches, loss: loss)
    }

    func epochFinished(_ r: EpochRecord) {
        display?.epochFinished(r)
        do {
            try tracker.epochFinished(job, EpochMetrics(r))
        } catch {
            print("tracking: \(error)")
        }
    }
}

extension TrackingSettings {
    /// Where a command that trains (`sweep --local`, `refit`) tracks, or nil for no tracking:
    /// `--no-tracking`, `tracking.enabled: false`, or no URI anywhere (which is said). A
    /// malformed URI is an error before any training.
    static func forRun(noTracking: Bool, flagURI: String?, flagExperiment: String?, config: SweepConfig) throws -> TrackingSettings? {
        guard !noTracking, config.tracking.enabled else { return nil }
        do {
            return try resolve(flagURI: flagURI, flagExperiment: flagExperiment, configURI: config.tracking.uri,
                               configExperiment: config.tracking.experiment, environment: ProcessInfo.processInfo.environment)
        } catch TrackingSettingsError.noTrackingURI {
            print("tracking: off (no --mlflow, tracking.uri or MLFLOW_TRACKING_URI; --no-tracking silences this)")
            return nil
        }
    }
}
