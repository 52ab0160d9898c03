import Audio
import Config
import Data
import Foundation
import NN

/// Trains one model on one fold of a feature pack, the same way wherever it runs: the local
/// sweep calls it for every job in turn, a cluster worker for each job it is leased. The seed
/// of each job derives from the sweep's seed, the fold and the model, so a job retrained
/// anywhere starts from the same weights and sees the same batches.
public struct JobRunner {
    public let config: SweepConfig
    public let pack: FeaturePack
    public let folds: FoldAssignment

    public init(config: SweepConfig, pack: FeaturePack, folds: FoldAssignment) throws {
        for model in config.models.run where !ModelFactory.names.contains(model) {
            throw TrainingError.configuration("models.run", "unknown model '\(model)' (known: \(ModelFactory.names.joined(separator: ", ")))")
        }
        self.config = config
        self.pack = pack
        self.folds = folds
    }

    /// The hyperparameters a job logs (MLflow params of its child run).
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

    /// Trains `model` on `fold` and writes its files into `directory`. A job that cannot train
    /// (empty fold, NaN loss, cancelled, ...) comes back `failed` with its error and no artifacts.
    /// `isCancelled` is polled after every batch.
    public func run(model name: String, fold: Int, directory: String, observer: TrainerObserver?,
                    isCancelled: @escaping () -> Bool = { false }) -> (outcome: JobOutcome, artifacts: JobArtifacts?) {
        let split = FoldSplit(pack: pack, assignment: folds, fold: fold)
        var outcome = JobOutcome.failed(model: name, fold: fold, error: "", modelVersion: ModelFactory.versions[name] ?? "?",
                                        params: params(model: name, fold: fold), trainExamples: split.trainingRows.count,
                                        validationExamples: split.validationRows.count)
        let started = Date()
        do {
            if split.trainingRows.isEmpty { throw TrainingError.emptyFold(fold: fold, part: "training") }
            if split.validationRows.isEmpty { throw TrainingError.emptyFold(fold: fold, part: "validation") }
            let (trained, artifacts) = try train(name, split, directory: directory, observer: observer, isCancelled: isCancelled)
            let evaluation = trained.validation
            let m = evaluation.metrics
            outcome.status = "finished"
            outcome.error = nil
            outcome.metrics = ["accuracy": m.accuracy, "f1_weighted": m.f1Weighted, "precision_weighted": m.precisionWeighted,
                               "recall_weighted": m.recallWeighted, "f1_macro": m.f1Macro, "precision_macro": m.precisionMacro,
                               "recall_macro": m.recallMacro, "val_loss": evaluation.loss]
            outcome.bestEpoch = trained.bestEpoch
            outcome.epochs = trained.history
            outcome.confusionMatrix = m.confusionMatrix
            outcome.perClass = m.perClass
            outcome.seconds = Date().timeIntervalSince(started)
            return (outcome, artifacts)
        } catch {
            outcome.error = "\(error)"
            outcome.seconds = Date().timeIntervalSince(started)
            return (outcome, nil)
        }
    }

    private func train(_ name: String, _ split: FoldSplit, directory: String, observer: TrainerObserver?,
                       isCancelled: @escaping () -> Bool) throws -> (TrainingOutcome, JobArtifacts) {
        let t = config.models.settings(for: name)!.trainer
        let modelIndex = UInt64(ModelFactory.names.firstIndex(of: name)!)
        let jobSeed = UInt64(truncatingIfNeeded: config.seed) &* 1_000_003 &+ UInt64(split.fold) &* 7919 &+ modelIndex
        let augment = SpecAugment(freqMasks: t.augment.freqMasks, freqMaskParam: t.augment.freqMaskParam,
                                  timeMasks: t.augment.timeMasks, timeMaskParam: t.augment.timeMaskParam)
        // drop_last never drops the only batch of a small fold.
        let dropLast = t.dropLast && split.trainingRows.count > t.batchSize
        let training = split.trainingLoader(LoaderOptions(batchSize: t.batchSize, shuffle: true, dropLast: dropLast, seed: jobSeed,
                                                          specAugment: augment, mixupAlpha: t.augment.mixupAlpha))
        let validation = split.validationLoader(batchSize: t.batchSize)
        let spec = ModelFactory.Spec(name: name, preset: config.models.settings(for: name)!.preset, classes: pack.classes.count,
                                     melBins: pack.parameters.numMelBins, frames: pack.parameters.frames,
                                     metadataWidth: training.metadataWidth, dropout: Float(t.dropout))
        let model = try ModelFactory.make(spec, seed: jobSeed)
        let trainer = try Trainer(model: model, settings: t, classCount: pack.classes.count)
        let outcome = try trainer.fit(training: training, validation: validation, observer: observer, isCancelled: isCancelled)
        let artifacts = try JobArtifactWriter(directory: directory, classes: pack.classes, files: pack.files)
            .write(model: model, modelVersion: ModelFactory.versions[name]!, evaluation: outcome.validation, history: outcome.history,
                   title: "\(name) fold \(split.fold)")
        return (outcome, artifacts)
    }
}
