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

/// Runs every model × fold job of a sweep in this process, one after another, the same way for
/// every model, and writes results.json after each job so that finished jobs keep their results
/// whatever happens to later ones.
public final class ComparisonSweep {
    public let config: SweepConfig
    public let pack: FeaturePack
    public let folds: FoldAssignment
    public let outputDirectory: String
    /// The sweep-level report files (comparison table, chart, summed confusion matrices), as last written.
    public private(set) var reportFiles: [String] = []

    public init(config: SweepConfig, pack: FeaturePack, folds: FoldAssignment, outputDirectory: String) throws {
        for model in config.models.run where !ModelFactory.names.contains(model) {
            throw TrainingError.configuration("models.run", "unknown model '\(model)' (known: \(ModelFactory.names.joined(separator: ", ")))")
        }
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
                jobs.append(runJob(model: model, fold: fold, observer: observer))
                try write(results(jobs))
            }
        }
        return results(jobs)
    }

    func results(_ jobs: [JobOutcome]) -> SweepResults {
        SweepResults(name: config.name, classes: pack.classes, jobs: jobs, modelOrder: config.models.run,
                     folds: folds.folds, testFraction: 1 / Double(max(folds.k, 2)))
    }

    private func write(_ results: SweepResults) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try encoder.encode(results).write(to: URL(fileURLWithPath: path("results.json")))
        reportFiles = try results.writeReport(to: outputDirectory)
    }

    private func path(_ components: String...) -> String {
        components.reduce(outputDirectory) { ($0 as NSString).appendingPathComponent($1) }
    }

    /// The hyperparameters a job logs.
    public func params(model: String, fold: Int) -> [String: String] {
        let settings = config.models.settings(for: model)!
        let t = settings.trainer
        return ["learning_rate": String(t.lr), "optimizer": t.optimizer, "batch_size": String(t.batchSize),
                "dropout": String(t.dropout), "model_version": ModelFactory.versions[model]!, "preset": settings.preset,
                "epochs": String(t.epochs), "weight_decay": String(t.weightDecay), "momentum": String(t.momentum),
                "nesterov": String(t.nesterov), "label_smoothing": String(t.labelSmoothing), "grad_clip_norm": String(t.gradClipNorm),
                "scheduler": t.scheduler.name, "early_stopping_patience": String(t.earlyStopping.patience),
                "freq_masks": String(t.augment.freqMasks), "freq_mask_param": String(t.augment.freqMaskParam),
                "time_masks": String(t.augment.timeMasks), "time_mask_param": String(t.augment.timeMaskParam),
                "mixup_alpha": String(t.augment.mixupAlpha), "fold": String(fold), "folds": String(folds.k),
                "fold_strategy": folds.strategy.rawValue, "seed": String(config.seed), "frames": String(pack.parameters.frames),
                "mel_bins": String(pack.parameters.numMelBins), "classes": String(pack.classes.count)]
    }

    private func runJob(model name: String, fold: Int, observer: SweepObserver?) -> JobOutcome {
        let settings = config.models.settings(for: name)!
        let params = params(model: name, fold: fold)
        let split = FoldSplit(pack: pack, assignment: folds, fold: fold)
        let (trainRows, validationRows) = (split.trainingRows, split.validationRows)
        var outcome = JobOutcome(model: name, fold: fold, status: "failed", error: nil, modelVersion: ModelFactory.versions[name]!,
                                 metrics: [:], bestEpoch: nil, epochs: [], seconds: 0, params: params, confusionMatrix: nil, perClass: nil,
                                 trainExamples: trainRows.count, validationExamples: validationRows.count)
        let trainerObserver = observer?.jobStarted(model: name, fold: fold, params: params)
        let started = Date()
        do {
            if trainRows.isEmpty { throw TrainingError.emptyFold(fold: fold, part: "training") }
            if validationRows.isEmpty { throw TrainingError.emptyFold(fold: fold, part: "validation") }
            let job = try trainJob(name, settings, split, observer: trainerObserver)
            outcome.status = "finished"
            outcome.metrics = job.metrics
            outcome.bestEpoch = job.outcome.bestEpoch
            outcome.epochs = job.outcome.history
            outcome.confusionMatrix = job.outcome.validation.metrics.confusionMatrix
            outcome.perClass = job.outcome.validation.metrics.perClass
            outcome.seconds = Date().timeIntervalSince(started)
            observer?.jobFinished(outcome, artifacts: job.artifacts)
        } catch {
            outcome.error = "\(error)"
            outcome.seconds = Date().timeIntervalSince(started)
            observer?.jobFinished(outcome, artifacts: nil)
        }
        return outcome
    }

    private func trainJob(_ name: String, _ settings: ModelSettings, _ split: FoldSplit,
                          observer: TrainerObserver?) throws -> (outcome: TrainingOutcome, metrics: [String: Double], artifacts: JobArtifacts) {
        let t = settings.trainer
        let modelIndex = UInt64(ModelFactory.names.firstIndex(of: name)!)
        let jobSeed = UInt64(truncatingIfNeeded: config.seed) &* 1_000_003 &+ UInt64(split.fold) &* 7919 &+ modelIndex
        let augment = SpecAugment(freqMasks: t.augment.freqMasks, freqMaskParam: t.augment.freqMaskParam,
                                  timeMasks: t.augment.timeMasks, timeMaskParam: t.augment.timeMaskParam)
        // drop_last never drops the only batch of a small fold.
        let dropLast = t.dropLast && split.trainingRows.count > t.batchSize
        let training = split.trainingLoader(LoaderOptions(batchSize: t.batchSize, shuffle: true, dropLast: dropLast, seed: jobSeed,
                                                          specAugment: augment, mixupAlpha: t.augment.mixupAlpha))
        let validation = split.validationLoader(batchSize: t.batchSize)
        let spec = ModelFactory.Spec(name: name, preset: settings.preset, classes: pack.classes.count, melBins: pack.parameters.numMelBins,
                                     frames: pack.parameters.frames, metadataWidth: training.metadataWidth, dropout: Float(t.dropout))
        let model = try ModelFactory.make(spec, seed: jobSeed)
        let trainer = try Trainer(model: model, settings: t, classCount: pack.classes.count)
        let outcome = try trainer.fit(training: training, validation: validation, observer: observer)
        let evaluation = outcome.validation
        let m = evaluation.metrics
        let metrics = ["accuracy": m.accuracy, "f1_weighted": m.f1Weighted, "precision_weighted": m.precisionWeighted,
                       "recall_weighted": m.recallWeighted, "f1_macro": m.f1Macro, "precision_macro": m.precisionMacro,
                       "recall_macro": m.recallMacro, "val_loss": evaluation.loss]
        let artifacts = try JobArtifactWriter(directory: path(name, "fold-\(split.fold)"), classes: pack.classes, files: pack.files)
            .write(model: model, modelVersion: ModelFactory.versions[name]!, evaluation: evaluation, history: outcome.history,
                   title: "\(name) fold \(split.fold)")
        return (outcome, metrics, artifacts)
    }
}
