import Audio
import Config
import Data
import Foundation
import ModelNames
import NN
import Tensor

/// Observes a sweep: progress, logs and tracking hang off these calls. `trainer` observes the
/// job's batches and epochs.
public protocol SweepObserver: AnyObject {
    func jobStarted(_ job: JobKey, path: String, params: [String: String]) -> TrainerObserver?
    func jobFinished(_ outcome: JobOutcome, artifacts: JobArtifacts?)
}

/// The files a finished job wrote under `DIR/<model>/fold-<k>/` (`DIR/<model>/rep-<r>/fold-<k>/`
/// in a sweep of several repeats).
public struct JobArtifacts: Sendable {
    public var directory: String
    public var stateDict: String
    /// spectrofold-model.json (`ModelCard`): what predicting with the state dict needs.
    public var modelCard: String
    public var predictions: String
    public var confusionMatrixSVG: String
    public var confusionMatrixJSON: String
    public var curvesSVG: String
    public var historyCSV: String
    /// split.json: the job's pack rows, `{"fit": [...], "selection": [...], "test": [...]}`.
    public var split: String
}

/// Runs every model × repeat × fold job of a sweep in this process, one after another, through
/// the same `JobRunner` a cluster worker uses, and writes results.json after each job so that
/// finished jobs keep their results whatever happens to later ones.
public final class ComparisonSweep {
    public let config: SweepConfig
    public let pack: FeaturePack
    public let outputDirectory: String
    /// The sweep-level files (sweep.json, report.html, comparison table, charts, summed confusion
    /// matrices), as last written.
    public private(set) var reportFiles: [String] = []
    public let runner: JobRunner

    /// Checks every job's split and every pretrained start (`PretrainedStart.starts(of:)`)
    /// before anything runs.
    public init(sweepId: String, config: SweepConfig, pack: FeaturePack, folds: [FoldAssignment], starts: [ModelName: PretrainedStart] = [:],
                outputDirectory: String) throws {
        runner = try JobRunner(sweepId: sweepId, config: config, pack: pack, folds: folds, starts: starts)
        try runner.checkSplits()
        try runner.checkStarts()
        self.config = config
        self.pack = pack
        self.outputDirectory = outputDirectory
    }

    /// Every job, in model-major order; failures are recorded, not thrown. After each job the
    /// results and sweep.json (the configuration, the dataset, the wall time so far, every job as
    /// run by worker `local`) are written with the report.
    @discardableResult
    public func run(observer: SweepObserver? = nil) throws -> SweepResults {
        try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        let started = Date()
        var context = SweepContext(configuration: config.resolvedYAML,
                                   dataset: DatasetSummary(pack: pack, source: config.data.source, digest: pack.contentDigest),
                                   runner: "local", started: started, wallSeconds: 0, attempts: [:])
        var outcomes: [JobOutcome] = []
        for job in runner.jobs {
            let path = runner.path(job)
            let trainerObserver = observer?.jobStarted(job, path: path, params: runner.params(job))
            let (outcome, artifacts) = runner.run(job, directory: (outputDirectory as NSString).appendingPathComponent(path),
                                                  observer: trainerObserver)
            observer?.jobFinished(outcome, artifacts: artifacts)
            outcomes.append(outcome)
            context.attempts[path] = [AttemptSummary(worker: "local", outcome: outcome.status == .finished ? "succeeded" : "failed",
                                                     reason: outcome.error, seconds: outcome.seconds)]
            context.wallSeconds = Date().timeIntervalSince(started)
            reportFiles = try results(outcomes).write(to: outputDirectory, context: context)
        }
        return results(outcomes)
    }

    func results(_ jobs: [JobOutcome]) -> SweepResults {
        SweepResults(name: config.name, classes: pack.classes, jobs: jobs, modelOrder: config.models.run, folds: runner.folds.map(\.folds))
    }
}
