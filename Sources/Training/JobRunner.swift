import Audio
import Config
import Data
import Foundation
import NN
import Pretrained
import Tensor

/// Trains one model on one fold of one repeat of a feature pack, the same way wherever it runs:
/// the local sweep calls it for every job in turn, a cluster worker for each job it is leased.
/// Each job splits its fold's training part into a fit and a selection part (`JobSplit`),
/// trains on the first, lets the second choose the weights, and scores the held-out fold once
/// at the end. The seed of each job derives from the sweep's seed, the repeat, the fold and
/// the model, so a job retrained anywhere starts from the same weights and sees the same batches.
public struct JobRunner {
    public let config: SweepConfig
    public let pack: FeaturePack
    /// The fold assignment of each repeat.
    public let folds: [FoldAssignment]
    /// Each model's pretrained start, by model name.
    public let starts: [String: PretrainedStart]

    /// `starts` holds the pretrained start of each model that has one (`PretrainedStart.starts(of:)`
    /// where the files are; a cluster worker's from the checkpoints it fetched).
    public init(config: SweepConfig, pack: FeaturePack, folds: [FoldAssignment], starts: [String: PretrainedStart] = [:]) throws {
        for model in config.models.run where !ModelFactory.names.contains(model) {
            throw TrainingError.configuration("models.run", "unknown model '\(model)' (known: \(ModelFactory.names.joined(separator: ", ")))")
        }
        precondition(!folds.isEmpty && folds.allSatisfy { $0.k == folds[0].k }, "JobRunner: one fold assignment per repeat, all with the same k")
        self.config = config
        self.pack = pack
        self.folds = folds
        self.starts = starts.filter { config.models.run.contains($0.key) }
    }

    /// Every job of the sweep: model-major, then repeat, then fold.
    public var jobs: [JobKey] { JobKey.all(models: config.models.run, repeats: folds.count, k: folds[0].k) }

    /// The job's folder, child run name and job id tail (`JobKey.path`).
    public func path(_ job: JobKey) -> String { job.path(repeats: folds.count) }

    /// The job's fit, selection and held-out rows, with the model's selection settings.
    public func split(_ job: JobKey) throws -> JobSplit {
        let t = config.models.settings(for: job.model)!.trainer
        let statistics = config.models.settings(for: job.model)!.initStatistics ? starts[job.model]?.statistics : nil
        return try JobSplit(pack: pack, folds: folds[job.repeat], repeat: job.repeat, fold: job.fold,
                            selection: SelectionMode(rawValue: t.selection) ?? .inner, fraction: t.selectionFraction,
                            seed: UInt64(truncatingIfNeeded: config.seed), statistics: statistics)
    }

    /// Makes every job's split and returns its sizes: data that no job could train with (a
    /// class missing from a selection part, an empty part) is an error naming the model, repeat
    /// and fold before any job starts.
    @discardableResult
    public func checkSplits() throws -> [JobKey: JobExamples] {
        var examples: [JobKey: JobExamples] = [:]
        for job in jobs {
            do { examples[job] = JobExamples(try split(job)) } catch { throw TrainingError.configuration("models.\(job.model)", "\(error)") }
        }
        return examples
    }

    /// Starts each model with a checkpoint once: a checkpoint that does not fit its model is an
    /// error naming the model before any job starts.
    public func checkStarts() throws {
        for (model, start) in starts.sorted(by: { $0.key < $1.key }) {
            do {
                _ = try PretrainedImport.start(try ModelFactory.make(spec(model, metadataWidth: pack.metadataColumns.count, dropout: 0), seed: 0),
                                               modelName: model, from: start.checkpoint, layout: start.layout)
            } catch {
                throw TrainingError.configuration("models.\(model).init", "\(error)")
            }
        }
    }

    /// How the selection and held-out clips are scored (`evaluation.windows`, `hop_frames`).
    public var scoringWindows: ClipWindows {
        let hop = config.evaluation.hopFrames > 0 ? config.evaluation.hopFrames : max(pack.parameters.frames / 2, 1)
        return config.evaluation.windows == "center" ? .center : .sliding(hop: hop)
    }

    /// What `model` is built as on this pack.
    private func spec(_ model: String, metadataWidth: Int, dropout: Float) -> ModelFactory.Spec {
        ModelFactory.Spec(name: model, preset: config.models.settings(for: model)!.preset, classes: pack.classes.count,
                          melBins: pack.parameters.numMelBins, frames: pack.parameters.frames, metadataWidth: metadataWidth, dropout: dropout)
    }

    /// The hyperparameters a job logs (MLflow params of its child run).
    public func params(_ job: JobKey) -> [String: String] {
        let settings = config.models.settings(for: job.model)!
        let t = settings.trainer
        let assignment = folds[job.repeat]
        var params: [String: String] = [
            "learning_rate": String(t.lr), "optimizer": t.optimizer, "batch_size": String(t.batchSize),
            "dropout": String(t.dropout), "model_version": ModelFactory.versions[job.model]!, "preset": settings.preset,
            "epochs": String(t.epochs), "weight_decay": String(t.weightDecay), "momentum": String(t.momentum),
            "nesterov": String(t.nesterov), "label_smoothing": String(t.labelSmoothing), "grad_clip_norm": String(t.gradClipNorm),
            "scheduler": t.scheduler.name, "early_stopping_patience": String(t.earlyStopping.patience),
            "selection": t.selection, "selection_fraction": String(t.selectionFraction),
            "freq_masks": String(t.augment.freqMasks), "freq_mask_param": String(t.augment.freqMaskParam),
            "time_masks": String(t.augment.timeMasks), "time_mask_param": String(t.augment.timeMaskParam),
            "mixup_alpha": String(t.augment.mixupAlpha), "mixup_prob": String(t.augment.mixupProb),
            "ema_decay": String(t.emaDecay), "swa_epochs": String(t.swaEpochs), "fold": String(job.fold), "folds": String(assignment.k),
            "repeat": String(job.repeat), "repeats": String(folds.count),
            "fold_strategy": assignment.strategy.rawValue, "seed": String(config.seed), "frames": String(pack.parameters.frames),
            "max_frames": String(pack.parameters.maxFrames), "random_crop": String(t.augment.randomCrop),
            "time_shift_frames": String(t.augment.timeShiftFrames), "evaluation_windows": "\(scoringWindows)",
            "mel_bins": String(pack.parameters.numMelBins), "classes": String(pack.classes.count),
        ]
        if let start = starts[job.model] {
            params["init"] = start.logged
            params["init_format"] = start.layout.rawValue
            params["head_lr_scale"] = String(t.headLrScale)
            params["freeze_epochs"] = String(t.freezeEpochs)
        }
        return params
    }

    /// Trains `job` and writes its files into `directory`. A job that cannot train (a part
    /// without examples, NaN loss, cancelled, ...) comes back `failed` with its error and no
    /// artifacts. `isCancelled` is polled after every batch.
    public func run(_ job: JobKey, directory: String, observer: TrainerObserver?,
                    isCancelled: @escaping () -> Bool = { false }) -> (outcome: JobOutcome, artifacts: JobArtifacts?) {
        let started = Date()
        do {
            return try train(job, directory: directory, observer: observer, isCancelled: isCancelled)
        } catch {
            var outcome = JobOutcome.failed(job, error: "\(error)", modelVersion: ModelFactory.versions[job.model] ?? "?", params: params(job),
                                            examples: (try? JobExamples(split(job))) ?? JobExamples(fit: 0, selection: 0, test: 0))
            outcome.seconds = Date().timeIntervalSince(started)
            return (outcome, nil)
        }
    }

    /// `run`, throwing what stopped the job instead of returning it as a failed outcome; `split`
    /// is the job's split when the caller has made it already.
    public func train(_ job: JobKey, split: JobSplit? = nil, directory: String, observer: TrainerObserver?,
                      isCancelled: @escaping () -> Bool = { false }) throws -> (outcome: JobOutcome, artifacts: JobArtifacts) {
        // The next job may have other shapes: its buffers should not sit beside this one's.
        defer { BufferPool.trim() }
        let started = Date()
        let split = try split ?? self.split(job)
        let (trained, test, artifacts) = try train(job, split, directory: directory, observer: observer, isCancelled: isCancelled)
        let m = test.metrics
        var outcome = JobOutcome.failed(job, error: "", modelVersion: ModelFactory.versions[job.model]!, params: params(job),
                                        examples: JobExamples(split))
        outcome.status = .finished
        outcome.error = nil
        outcome.metrics = ["accuracy": m.accuracy, "f1_weighted": m.f1Weighted, "precision_weighted": m.precisionWeighted,
                           "recall_weighted": m.recallWeighted, "f1_macro": m.f1Macro, "precision_macro": m.precisionMacro,
                           "recall_macro": m.recallMacro, "val_loss": test.loss]
        outcome.bestEpoch = trained.chosenEpoch
        outcome.epochs = trained.history
        outcome.confusionMatrix = m.confusionMatrix
        outcome.perClass = m.perClass
        outcome.seconds = Date().timeIntervalSince(started)
        return (outcome, artifacts)
    }

    /// Trains on the fit part (the selection part choosing the weights), then scores the
    /// held-out rows once with those weights.
    private func train(_ job: JobKey, _ split: JobSplit, directory: String, observer: TrainerObserver?,
                       isCancelled: @escaping () -> Bool) throws -> (TrainingOutcome, Evaluation, JobArtifacts) {
        let t = config.models.settings(for: job.model)!.trainer
        let modelIndex = UInt64(ModelFactory.names.firstIndex(of: job.model)!)
        let jobSeed = UInt64(truncatingIfNeeded: config.seed) &* 1_000_003 &+ UInt64(job.fold) &* 7919
            &+ UInt64(job.repeat) &* 104_729 &+ modelIndex
        let augment = SpecAugment(freqMasks: t.augment.freqMasks, freqMaskParam: t.augment.freqMaskParam,
                                  timeMasks: t.augment.timeMasks, timeMaskParam: t.augment.timeMaskParam)
        // drop_last never drops the only batch of a small fit part.
        let dropLast = t.dropLast && split.fitRows.count > t.batchSize
        let fit = split.fitLoader(LoaderOptions(batchSize: t.batchSize, shuffle: true, dropLast: dropLast, seed: jobSeed,
                                                specAugment: augment, mixupAlpha: t.augment.mixupAlpha,
                                                mixupProbability: t.augment.mixupProb,
                                                windows: .training(randomCrop: t.augment.randomCrop, shift: t.augment.timeShiftFrames)))
        let model = try ModelFactory.make(spec(job.model, metadataWidth: fit.metadataWidth, dropout: Float(t.dropout)), seed: jobSeed)
        var head: Set<String> = []
        if let start = starts[job.model] {
            head = Set(try PretrainedImport.start(model, modelName: job.model, from: start.checkpoint, layout: start.layout).fresh)
        }
        let trainer = try Trainer(model: model, settings: t, classCount: pack.classes.count, head: head)
        let outcome = try trainer.fit(fit, selection: split.selectionLoader(batchSize: t.batchSize, windows: scoringWindows),
                                      observer: observer, isCancelled: isCancelled)
        let test = try Evaluation(model: model, loader: split.testLoader(batchSize: t.batchSize, windows: scoringWindows), classCount: pack.classes.count,
                                  labelSmoothing: Float(t.labelSmoothing))
        let artifacts = try JobArtifactWriter(directory: directory, classes: pack.classes, files: pack.files)
            .write(model: model, modelVersion: ModelFactory.versions[job.model]!, split: split, test: test, history: outcome.history,
                   chosenEpoch: outcome.chosenEpoch, title: path(job))
        return (outcome, test, artifacts)
    }
}
