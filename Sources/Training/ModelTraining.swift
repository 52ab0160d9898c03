import Audio
import Config
import Data
import Foundation
import ModelNames
import NN
import Pretrained
import RunRecords

/// What a fold job (`JobRunner`) and a refit (`Refit`) share: building a
/// sweep's model for its pack (from a pretrained start when the configuration names one),
/// training it with the `Trainer` on a split, scoring the held-out rows once, and writing the
/// job folder with its model card.
public struct ModelTraining {
    /// The sweep's id (its MLflow parent run's `sweep_id` tag), written into every model card.
    public let sweepId: String
    public let config: SweepConfig
    public let pack: FeaturePack
    /// Each model's pretrained start.
    public let starts: [ModelName: PretrainedStart]

    /// `starts` holds the pretrained start of each model that has one (`PretrainedStart.starts(of:)`
    /// where the files are; a cluster worker's from the checkpoints it fetched).
    public init(sweepId: String, config: SweepConfig, pack: FeaturePack, starts: [ModelName: PretrainedStart] = [:]) throws {
        self.sweepId = sweepId
        self.config = config
        self.pack = pack
        self.starts = starts.filter { config.models.run.contains($0.key) }
    }

    /// How the selection and held-out clips are scored (`evaluation.windows`, `hop_frames`).
    public var scoringWindows: ClipWindows {
        let hop = config.evaluation.hopFrames > 0 ? config.evaluation.hopFrames : max(pack.parameters.frames / 2, 1)
        return config.evaluation.windows == .center ? .center : .sliding(hop: hop)
    }

    /// The input statistics of `model`'s checkpoint when it is normalised with them
    /// (`models.<name>.init_statistics`), else nil (statistics fitted on the fit part).
    func statistics(_ model: ModelName) -> FeatureNormalizer? {
        config.models.settings(for: model).initStatistics ? starts[model]?.statistics : nil
    }

    /// Starts each model with a checkpoint once: a checkpoint that does not fit its model is an
    /// error naming the model.
    func checkStarts() throws {
        for (model, start) in starts.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            do {
                _ = try PretrainedImport.start(try ModelFactory.make(spec(model, metadataWidth: pack.metadataColumns.count, dropout: 0), seed: 0),
                                               modelName: model, from: start.checkpoint, layout: start.layout)
            } catch {
                throw TrainingError.configuration("models.\(model).init", "\(error)")
            }
        }
    }

    /// What `model` is built as on this pack.
    private func spec(_ model: ModelName, metadataWidth: Int, dropout: Float) -> ModelFactory.Spec {
        ModelFactory.Spec(name: model, preset: config.models.settings(for: model).preset.rawValue, classes: pack.classes.count,
                          melBins: pack.parameters.numMelBins, frames: pack.parameters.frames, metadataWidth: metadataWidth, dropout: dropout)
    }

    /// The hyperparameters `model` trains with under `t` (MLflow params of a child run).
    func params(_ model: ModelName, settings t: TrainerConfig) -> [String: String] {
        var params: [String: String] = [
            "model_version": model.version, "preset": config.models.settings(for: model).preset.rawValue,
            "seed": String(config.seed), "frames": String(pack.parameters.frames), "max_frames": String(pack.parameters.maxFrames),
            "evaluation_windows": "\(scoringWindows)", "mel_bins": String(pack.parameters.numMelBins), "classes": String(pack.classes.count),
            "subtract_clip_mean": String(pack.parameters.subtractClipMean),
        ]
        if let start = starts[model] {
            params["init"] = start.logged
            params["init_format"] = start.layout.rawValue
        }
        return params.merging(Self.trainerParams(t, pretrained: starts[model] != nil)) { $1 }
    }

    /// The params that come from the trainer settings `t` alone (`pretrained`: the model starts
    /// from a checkpoint, which adds its fine-tuning settings).
    public static func trainerParams(_ t: TrainerConfig, pretrained: Bool) -> [String: String] {
        RunParams.values(RunParams.trainer + (pretrained ? RunParams.fineTuning : []), in: t)
    }

    /// The held-out scores results.json and the model card report.
    static func scores(_ test: Evaluation) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: test.metrics.named.map { ($0.name.rawValue, $0.value) } + [(HeldOutScore.valLoss.rawValue, test.loss)])
    }

    /// Trains `model` on the split's fit part (its selection part, if any, choosing the weights)
    /// with `settings` and `seed`, scores the held-out rows once with those weights (a job; a
    /// refit has none and its card gets `refitScores`, the comparison's), then writes the files
    /// into `directory`; `path` names the job in its sweep.
    func fitAndWrite(_ model: ModelName, split: JobSplit, settings t: TrainerConfig, seed: UInt64, path: String, directory: String,
                     observer: TrainerObserver?, isCancelled: @escaping () -> Bool,
                     refitScores: ModelCard.HeldOutScores? = nil) throws -> (TrainingOutcome, Evaluation?, JobArtifacts) {
        precondition(split.testRows.isEmpty == (refitScores != nil), "fitAndWrite: scores come from held-out rows or, for a refit, from the caller")
        let augment = SpecAugment(freqMasks: t.augment.freqMasks, freqMaskParam: t.augment.freqMaskParam,
                                  timeMasks: t.augment.timeMasks, timeMaskParam: t.augment.timeMaskParam)
        // drop_last never drops the only batch of a small fit part.
        let dropLast = t.dropLast && split.fitRows.count > t.batchSize
        let fit = split.fitLoader(LoaderOptions(batchSize: t.batchSize, shuffle: true, dropLast: dropLast, seed: seed,
                                                frequencyWarp: Float(t.augment.freqWarp), timeStretch: Float(t.augment.timeStretch),
                                                specAugment: augment, mixupAlpha: t.augment.mixupAlpha,
                                                mixupProbability: t.augment.mixupProb,
                                                windows: .training(randomCrop: t.augment.randomCrop, shift: t.augment.timeShiftFrames)))
        let network = try ModelFactory.make(spec(model, metadataWidth: fit.metadataWidth, dropout: Float(t.dropout)), seed: seed)
        var head: Set<String> = []
        if let start = starts[model] {
            head = Set(try PretrainedImport.start(network, modelName: model, from: start.checkpoint, layout: start.layout).fresh)
        }
        let trainer = try Trainer(model: network, settings: t, classCount: pack.classes.count, head: head)
        let outcome = try trainer.fit(fit, selection: split.selectionLoader(batchSize: t.batchSize, windows: scoringWindows),
                                      observer: observer, isCancelled: isCancelled)
        let test = try split.testRows.isEmpty ? nil : Evaluation(model: network, loader: split.testLoader(batchSize: t.batchSize, windows: scoringWindows),
                                                                 classCount: pack.classes.count, labelSmoothing: Float(t.labelSmoothing))
        let card = ModelCard(
            format: ModelCard.currentFormat, model: model, preset: config.models.settings(for: model).preset.rawValue,
            modelVersion: model.version, classes: pack.classes, features: pack.parameters, normalization: split.normalizer,
            metadata: .init(columns: pack.metadataColumns, mean: split.scaler.mean, scale: split.scaler.scale),
            dataColumns: .init(ManifestColumns(path: config.data.pathColumn, label: config.data.labelColumn, group: config.data.groupColumn,
                                         fold: config.data.foldColumn, numericMetadata: config.data.numericMetadata,
                                         categoricalMetadata: config.data.categoricalMetadata)),
            stateDict: .init(file: "", sha256: ""), sweep: .init(id: sweepId, name: config.name), job: path,
            training: .init(packFingerprint: pack.inputFingerprint, examples: JobExamples(split), epoch: outcome.chosenEpoch),
            evaluation: .init(scoringWindows),
            scores: test.map { ModelCard.HeldOutScores(scope: "held_out_fold", jobs: 1, mean: Self.scores($0), std: [:]) } ?? refitScores!)
        let artifacts = try JobArtifactWriter(directory: directory, classes: pack.classes, files: pack.files)
            .write(model: network, card: card, split: split, test: test, history: outcome.history, chosenEpoch: outcome.chosenEpoch, title: path)
        return (outcome, test, artifacts)
    }
}
