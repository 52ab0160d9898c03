import ModelNames

/// Everything a comparison sweep needs, with every default in one place. YAML files under
/// `configs/` and `--set section.key=value` overrides change these values; the key of a
/// property in YAML is its name in snake_case (`batchSize` → `batch_size`).
///
/// ```yaml
/// name: demo
/// data: {source: demo-data/manifest.csv, group_column: group}
/// models: {run: [baseline_cnn, ast], ast: {trainer: {lr: 1.0e-4}}}
/// trainer: {epochs: 12, batch_size: 32}
/// ```
public struct SweepConfig: Codable, Equatable, Sendable {
    /// Names the sweep (and its MLflow parent run).
    public var name = "sweep"
    /// Master seed: folds, initialisation, shuffling and augmentation derive from it.
    public var seed = 0
    public var data = DataConfig()
    public var features = FeaturesConfig()
    public var folds = FoldsConfig()
    public var models = ModelsConfig()
    /// The trainer settings every model uses unless `models.<name>.trainer` overrides them.
    public var trainer = TrainerConfig()
    public var evaluation = EvaluationConfig()
    public var tracking = TrackingConfig()
    /// How `spectrofold refit` trains the chosen model on all the data.
    public var refit = RefitConfig()

    public init() {}
}

/// How a clip longer than the model's window is scored (selection and held-out parts): by the
/// mean of the class probabilities of its windows.
public struct EvaluationConfig: Codable, Equatable, Sendable {
    /// `center` (one window in the middle of the clip) or `sliding` (windows every `hop_frames`
    /// from the start, the last one ending at the clip's end).
    public var windows = ScoringWindowsName.sliding
    /// Frames between sliding windows; 0: half the window.
    public var hopFrames = 0
}

/// Where the audio comes from and which manifest columns mean what.
public struct DataConfig: Codable, Equatable, Sendable {
    /// A manifest CSV, a folder with one subfolder per class, or a prepared feature pack (.safetensors).
    public var source = ""
    public var pathColumn = "path"
    public var labelColumn = "label"
    /// Column holding a group id (speaker, source recording); empty for none.
    public var groupColumn = ""
    /// Column holding the dataset's own fold number; empty for none.
    public var foldColumn = ""
    /// Manifest columns used as numeric metadata (standardised on each fold's training part).
    public var numericMetadata: [String] = []
    /// Manifest columns used as categorical metadata (one-hot encoded).
    public var categoricalMetadata: [String] = []
    /// Adds acoustic descriptors (duration, RMS, spectral centroid, ...) to the metadata.
    public var acousticDescriptors = true
    /// What `prepare` does with an unreadable audio file: `skip` (and report it) or `stop`.
    public var onError = BadFilePolicy.skip
}

/// The log-mel front end (Kaldi fbank as in AST).
public struct FeaturesConfig: Codable, Equatable, Sendable {
    /// Audio is resampled to this rate (Hz) before featurising.
    public var sampleRate = 16000
    public var numMelBins = 128
    public var frameLengthMs = 25.0
    public var frameShiftMs = 10.0
    /// The model's input width in frames: training takes windows of this many frames.
    public var frames = 100
    /// The most frames kept of each clip (longer clips are cropped to it); 0: `frames`.
    public var maxFrames = 0
    /// Subtract from each mel bin its mean over the clip (cepstral mean normalisation): takes out
    /// what a microphone, a room or a voice adds to every frame alike.
    public var subtractClipMean = false
}

/// How the data is split for cross-validation.
public struct FoldsConfig: Codable, Equatable, Sendable {
    public var k = 5
    public var strategy = FoldStrategy.stratified
    /// Repeated k-fold: every model runs `repeats` × `k` jobs on `repeats` fold assignments, each
    /// from the seed and the repeat index (repeat 0 is the assignment of a single run).
    public var repeats = 1
}

/// Which models run, their presets, and per-model trainer overrides.
public struct ModelsConfig: Codable, Equatable, Sendable {
    /// The models of the comparison, in this order.
    public var run = ModelName.allCases
    public var baselineCnn = ModelSettings()
    public var cnnMlp = ModelSettings()
    public var cnnAttention = ModelSettings()
    public var ast = ModelSettings()

    /// The settings of `model`.
    public func settings(for model: ModelName) -> ModelSettings {
        switch model {
        case .baselineCNN: return baselineCnn
        case .cnnMLP: return cnnMlp
        case .cnnAttention: return cnnAttention
        case .ast: return ast
        }
    }
}

/// One model's settings. After loading, `trainer` is that model's effective trainer
/// configuration: the global `trainer` section with this model's overrides applied.
public struct ModelSettings: Codable, Equatable, Sendable {
    public var preset = ModelPreset.mini
    /// A pretrained checkpoint the model starts from (a torch.save or safetensors file, or a
    /// Hugging Face folder); empty: fresh weights.
    public var `init` = ""
    /// The checkpoint's layout: `auto` (told from its keys), `torchvision_resnet`, `timm_vit`,
    /// `ast_audioset` or `hf_ast`.
    public var initFormat = "auto"
    /// Normalise the input with the checkpoint's own statistics when it has them (AudioSet's
    /// for AST's checkpoints) instead of the fit part's.
    public var initStatistics = true
    public var trainer = TrainerConfig()
}

/// How one model is trained on one fold. The defaults are the general recipe that trained best
/// in our measurements (configs/recipes/keywords.yaml has the figures): AdamW with weight decay,
/// a cosine schedule run to its end (no early stopping; the selection part picks the best
/// epoch), a moving average of the weights, label smoothing, SpecAugment and mixup on half the
/// batches. The recipes add a warm-up, which needs to know the epoch budget; AST from scratch
/// wants its own rate, warm-up and lighter augmentation (see configs/recipes/).
public struct TrainerConfig: Codable, Equatable, Sendable {
    public var epochs = 30
    /// What chooses the weights a job is scored with: `inner` (a selection part of the training
    /// part drives early stopping, the plateau scheduler and the best epoch) or `last` (no
    /// selection part, no early stopping: the last epoch's weights).
    public var selection = SelectionMode.inner
    /// The share of a job's training part held out as its selection part (stratified by label,
    /// whole groups), with `selection: inner`.
    public var selectionFraction = 0.15
    public var batchSize = 32
    public var optimizer = OptimizerName.adamw
    /// Initial learning rate.
    public var lr = 1e-3
    /// SGD momentum (SGD only).
    public var momentum = 0.9
    public var nesterov = false
    public var weightDecay = 5e-2
    public var dropout = 0.2
    public var labelSmoothing = 0.1
    /// Clip gradients to this global L2 norm; 0 turns clipping off.
    public var gradClipNorm = 5.0
    /// Drop the last partial training batch of each epoch.
    public var dropLast = true
    /// With a pretrained start: the learning rate of the tensors that start fresh (the head) as a
    /// multiple of the body's.
    public var headLrScale = 1.0
    /// With a pretrained start: the first N epochs train only the tensors that start fresh.
    public var freezeEpochs = 0
    /// Exponential moving average of the weights, updated after every optimizer step
    /// (average ← d · average + (1 − d) · weights, batch-norm statistics too, with
    /// d = min(decay, (1 + t) / (10 + t)) at step t); the average is what the selection part
    /// scores and what is kept. 0 turns it off.
    public var emaDecay = 0.995
    /// Stochastic weight averaging: the uniform average of the weights at the end of the last N
    /// epochs is kept, its batch-norm statistics recomputed on the fit part. 0 turns it off.
    public var swaEpochs = 0
    public var scheduler = SchedulerConfig()
    public var earlyStopping = EarlyStoppingConfig()
    public var augment = AugmentConfig()
}

/// The learning-rate schedule, stepped once per epoch.
public struct SchedulerConfig: Codable, Equatable, Sendable {
    public var name = SchedulerName.cosine
    // ReduceLROnPlateau, with torch's semantics.
    public var mode = PlateauMode.min
    public var factor = 0.5
    public var patience = 3
    public var threshold = 1e-4
    public var thresholdMode = PlateauThresholdMode.rel
    public var cooldown = 0
    public var minLr = 1e-6
    public var eps = 1e-8
    // Cosine annealing.
    public var warmupEpochs = 0
    // Step decay: multiply by `gamma` every `stepSize` epochs.
    public var stepSize = 10
    public var gamma = 0.1
}

/// Stop when the selection part's loss has not improved by `minDelta` for `patience` epochs; 0
/// turns it off (as does `selection: last`).
public struct EarlyStoppingConfig: Codable, Equatable, Sendable {
    public var patience = 0
    public var minDelta = 0.0
}

/// On-the-fly augmentation of training batches (SpecAugment as in torchaudio, optional mixup).
public struct AugmentConfig: Codable, Equatable, Sendable {
    public var freqMasks = 2
    /// Maximum width of a frequency mask, in mel bins.
    public var freqMaskParam = 24
    public var timeMasks = 2
    /// Maximum width of a time mask, in frames.
    public var timeMaskParam = 20
    /// Beta(α, α) mixup of training pairs; 0 turns it off.
    public var mixupAlpha = 0.3
    /// The chance that a batch is mixed (with `mixup_alpha` > 0).
    public var mixupProb = 0.5
    /// Train on a random `features.frames`-long window of each longer clip, a new one every
    /// epoch (off: the first `frames` frames).
    public var randomCrop = true
    /// Roll each training window circularly by up to this many frames either way; 0: no shift.
    public var timeShiftFrames = 0
    /// Stretch each training example's mel axis by a factor drawn uniformly in
    /// [1 − freq_warp, 1 + freq_warp), as vocal tract length perturbation does; 0: no stretch.
    public var freqWarp = 0.0
    /// Stretch each training window's time axis by a factor drawn uniformly in
    /// [1 − time_stretch, 1 + time_stretch), as tempo perturbation does; 0: no stretch.
    public var timeStretch = 0.0
}

/// How a refit trains a model on every example of the sweep's data.
public struct RefitConfig: Codable, Equatable, Sendable {
    /// `last`: no selection part; as many epochs as the median over the sweep's jobs of the epochs
    /// their chosen weights had (a plateau scheduler, with nothing to follow, is then off).
    /// `inner`: a selection part split off all the data chooses the epoch, as in a fold job.
    public var selection = SelectionMode.last
}

/// Where runs are recorded.
public struct TrackingConfig: Codable, Equatable, Sendable {
    public var enabled = true
    /// MLflow tracking URI; empty: `MLFLOW_TRACKING_URI`.
    public var uri = ""
    /// MLflow experiment; empty: `MLFLOW_EXPERIMENT_NAME`, else "spectrofold".
    public var experiment = ""
}
