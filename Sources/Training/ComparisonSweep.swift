import Audio
import Config
import Data
import Foundation
import NN
import Tensor

/// Observes a sweep: progress, logs and tracking hang off these calls. Job calls carry the
/// model and fold; `trainer` observes the job's batches and epochs.
public protocol SweepObserver: AnyObject {
    func jobStarted(model: String, fold: Int, params: [String: String]) -> TrainerObserver?
    func jobFinished(_ outcome: JobOutcome, artifacts: JobArtifacts?)
}

/// The files a finished job wrote under `DIR/<model>/fold-<k>/`.
public struct JobArtifacts: Sendable {
    public var directory: String
    public var stateDict: String
    public var predictions: String
    public var confusionMatrixSVG: String
    public var confusionMatrixJSON: String
    public var curvesSVG: String
    public var historyCSV: String
}

/// Runs every model × fold job of a sweep in this process, one after another, through the same
/// `JobRunner` a cluster worker uses, and writes results.json after each job so that finished
/// jobs keep their results whatever happens to later ones.
public final class ComparisonSweep {
    public let config: SweepConfig
    public let pack: FeaturePack
    public let folds: FoldAssignment
    public let outputDirectory: String
    /// The sweep-level report files (comparison table, chart, summed confusion matrices), as last written.
    public private(set) var reportFiles: [String] = []
    private let runner: JobRunner

    public init(config: SweepConfig, pack: FeaturePack, folds: FoldAssignment, outputDirectory: String) throws {
        runner = try JobRunner(config: config, pack: pack, folds: folds)
        self.config = config
        self.pack = pack
        self.folds = folds
        self.outputDirectory = outputDirectory
    }

    /// Every job, in model-major order; failures are recorded, not thrown.
    @discardableResult
    public func run(observer: SweepObserver? = nil) throws -> SweepResults {
        try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        var jobs: [JobOutcome] = []
        for model in config.models.run {
            for fold in 0..<folds.k {
                let trainerObserver = observer?.jobStarted(model: model, fold: fold, params: runner.params(model: model, fold: fold))
                let directory = ((outputDirectory as NSString).appendingPathComponent(model) as NSString).appendingPathComponent("fold-\(fold)")
                let (outcome, artifacts) = runner.run(model: model, fold: fold, directory: directory, observer: trainerObserver)
                observer?.jobFinished(outcome, artifacts: artifacts)
                jobs.append(outcome)
                reportFiles = try results(jobs).write(to: outputDirectory)
            }
        }
        return results(jobs)
    }

    func results(_ jobs: [JobOutcome]) -> SweepResults {
        SweepResults(name: config.name, classes: pack.classes, jobs: jobs, modelOrder: config.models.run,
                     folds: folds.folds, testFraction: 1 / Double(max(folds.k, 2)))
    }
}
