import Config
import Data

/// The MLflow params of a job's or a refit's child run, each name written once. The names are
/// fixed: runs of every version are compared by them.
enum RunParams {
    /// A param read from the resolved trainer settings.
    typealias TrainerSetting = (name: String, setting: PartialKeyPath<TrainerConfig>)

    /// The trainer settings every run logs.
    static let trainer: [TrainerSetting] = [
        ("learning_rate", \.lr), ("optimizer", \.optimizer), ("batch_size", \.batchSize), ("dropout", \.dropout),
        ("epochs", \.epochs), ("weight_decay", \.weightDecay), ("momentum", \.momentum), ("nesterov", \.nesterov),
        ("label_smoothing", \.labelSmoothing), ("grad_clip_norm", \.gradClipNorm), ("scheduler", \.scheduler.name),
        ("early_stopping_patience", \.earlyStopping.patience), ("selection", \.selection), ("selection_fraction", \.selectionFraction),
        ("freq_masks", \.augment.freqMasks), ("freq_mask_param", \.augment.freqMaskParam), ("time_masks", \.augment.timeMasks),
        ("time_mask_param", \.augment.timeMaskParam), ("mixup_alpha", \.augment.mixupAlpha), ("mixup_prob", \.augment.mixupProb),
        ("ema_decay", \.emaDecay), ("swa_epochs", \.swaEpochs), ("random_crop", \.augment.randomCrop),
        ("time_shift_frames", \.augment.timeShiftFrames), ("freq_warp", \.augment.freqWarp), ("time_stretch", \.augment.timeStretch)
    ]

    /// The fine-tuning settings a model started from a checkpoint logs besides.
    static let fineTuning: [TrainerSetting] = [("head_lr_scale", \.headLrScale), ("freeze_epochs", \.freezeEpochs)]

    /// `params` with their values in `settings`: a name as YAML writes it, a number or flag as
    /// Swift prints it (`0.0003`, `true`).
    static func values(_ params: [TrainerSetting], in settings: TrainerConfig) -> [String: String] {
        Dictionary(
            uniqueKeysWithValues: params.map { param in
                let value = settings[keyPath: param.setting]
                return (param.name, (value as? any ConfigChoice)?.rawValue ?? "\(value)")
            })
    }

    /// The params that place a job in the folds; a refit has none of them.
    enum Fold: String, CaseIterable {
        case fold, folds, `repeat`, repeats
        case strategy = "fold_strategy"

        /// Each one's value for `job`, whose repeat's folds are `assignment`, in a sweep of `repeats` repeats.
        static func values(_ job: JobKey, assignment: FoldAssignment, repeats: Int) -> [String: String] {
            Dictionary(
                uniqueKeysWithValues: allCases.map { param in
                    switch param {
                    case .fold: return (param.rawValue, String(job.fold))
                    case .folds: return (param.rawValue, String(assignment.k))
                    case .repeat: return (param.rawValue, String(job.repeat))
                    case .repeats: return (param.rawValue, String(repeats))
                    case .strategy: return (param.rawValue, assignment.strategy.rawValue)
                    }
                })
        }
    }
}
