import ModelNames

/// A setting whose value is one of a fixed set of names (an optimizer, a fold strategy, ...).
/// YAML and JSON hold the name; the loader refuses any other as it reads it, naming the file,
/// line and key and suggesting the nearest name.
public protocol ConfigChoice: RawRepresentable, CaseIterable, Codable, Sendable where RawValue == String {
    /// What a value is called in an error: "unknown optimizer 'adamx'".
    static var kind: String { get }
}

extension ConfigChoice {
    public static var kind: String { "value" }

    /// Every name, in declaration order.
    static var names: [String] { allCases.map(\.rawValue) }
}

/// A list of one `ConfigChoice`'s values (`models.run`): read as a list of names, each checked
/// as it is read.
protocol ConfigChoiceList {
    var names: [String] { get }
    /// Every name a value may have.
    static var allowed: [String] { get }
    static var kind: String { get }
}

extension Array: ConfigChoiceList where Element: ConfigChoice {
    var names: [String] { map(\.rawValue) }
    static var allowed: [String] { Element.names }
    static var kind: String { Element.kind }
}

/// `models.run` and the `models.<name>` sections.
extension ModelName: ConfigChoice {
    public static var kind: String { "model" }
}

/// `trainer.optimizer`.
public enum OptimizerName: String, ConfigChoice {
    case sgd, adam, adamw
    public static var kind: String { "optimizer" }
}

/// `trainer.scheduler.name`: ReduceLROnPlateau on the selection part, cosine annealing with
/// linear warm-up, step decay, or a constant rate.
public enum SchedulerName: String, ConfigChoice {
    case plateau, cosine, step, none
    public static var kind: String { "scheduler" }
}

/// `trainer.scheduler.mode`: the plateau scheduler watches the selection part's loss (`min`) or
/// its accuracy (`max`).
public enum PlateauMode: String, ConfigChoice { case min, max }

/// `trainer.scheduler.threshold_mode`: improvement relative to the best value or absolute.
public enum PlateauThresholdMode: String, ConfigChoice { case rel, abs }

/// `models.<name>.preset`: the model's size (`small` and `base` exist for `ast` only).
public enum ModelPreset: String, ConfigChoice {
    case mini, standard, small, base
    public static var kind: String { "preset" }
}

/// `evaluation.windows`: how a clip longer than `features.frames` is scored.
public enum ScoringWindowsName: String, ConfigChoice { case center, sliding }

/// `folds.strategy`: how examples are split for cross-validation.
public enum FoldStrategy: String, ConfigChoice {
    /// Each class spread evenly over the folds.
    case stratified
    /// As stratified as possible while every group (speaker, recording) stays in one fold.
    case stratifiedGroup = "stratified_group"
    /// The dataset's own folds (the manifest's fold column).
    case manifest
}

/// `trainer.selection` and `refit.selection`: how a job chooses the weights it is scored with.
public enum SelectionMode: String, ConfigChoice {
    /// A selection part split off the training part steers early stopping, the plateau
    /// scheduler and the best-epoch choice.
    case inner
    /// No selection part: every epoch runs and the last epoch's weights are scored.
    case last
}

/// `data.on_error`: what the feature-pack builder does with a file it cannot decode.
public enum BadFilePolicy: String, ConfigChoice {
    /// Leave the file out, list it in the result and the pack's `skipped`.
    case skip
    /// Stop with the file's error; nothing is written.
    case stop
}
