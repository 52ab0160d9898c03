import ModelNames

/// Checks the values that types alone cannot: names from a fixed set, ranges. Errors point at
/// where the value was set (file and line, or the `--set` argument), else at the default.
struct ConfigValidator {
    let origins: [String: (source: String, line: Int?)]

    func validate(_ config: SweepConfig) throws {
        try require("features.sample_rate", config.features.sampleRate >= 8000, "must be at least 8000 Hz")
        try require("features.num_mel_bins", config.features.numMelBins >= 1, "must be at least 1")
        try require("features.frames", config.features.frames >= 1, "must be at least 1")
        try require("features.max_frames", config.features.maxFrames == 0 || config.features.maxFrames >= config.features.frames,
                    "must be 0 (the same as frames) or at least frames (\(config.features.frames))")
        try require("evaluation.hop_frames", config.evaluation.hopFrames >= 0, "must not be negative (0: half the window)")
        try require("folds.k", config.folds.k >= 2, "must be at least 2")
        try require("folds.repeats", config.folds.repeats >= 1, "must be at least 1")
        try require("folds.repeats", config.folds.repeats == 1 || config.folds.strategy != .manifest,
                    "must be 1 with strategy 'manifest': the dataset's own folds are the same in every repeat")

        try require("models.run", !config.models.run.isEmpty, "names no model")
        for (index, name) in config.models.run.enumerated() {
            try require("models.run", !config.models.run[..<index].contains(name), "names '\(name)' twice")
        }
        try validate(trainer: config.trainer, key: "trainer")
        for name in ModelName.allCases {
            let settings = config.models.settings(for: name)
            try require("models.\(name).preset", name == .ast || settings.preset == .mini || settings.preset == .standard,
                        "model '\(name)' comes in presets mini and standard (small and base are ast's)")
            try validate(trainer: settings.trainer, key: "models.\(name).trainer")
        }
        for name in config.models.run { try validateRunnable(config.models.settings(for: name), model: name) }
    }

    /// Settings no job of `model` could train with, refused before any job starts.
    private func validateRunnable(_ settings: ModelSettings, model: ModelName) throws {
        let trainer = settings.trainer
        try choose("models.\(model).init_format", settings.initFormat, among: ["auto", "torchvision_resnet", "timm_vit", "ast_audioset", "hf_ast"],
                   what: "layout")
        let key = "models.\(model).trainer"
        try require("\(key).head_lr_scale", settings.`init` != "" || trainer.headLrScale == 1,
                    "model '\(model)': head_lr_scale applies to a model started from a checkpoint (models.\(model).init)")
        try require("\(key).freeze_epochs", settings.`init` != "" || trainer.freezeEpochs == 0,
                    "model '\(model)': freeze_epochs applies to a model started from a checkpoint (models.\(model).init)")
        try require("\(key).freeze_epochs", trainer.freezeEpochs < trainer.epochs,
                    "model '\(model)': freezing the body for \(trainer.freezeEpochs) of \(trainer.epochs) epochs leaves none to fine-tune it")
        let scheduler = trainer.scheduler
        try require("\(key).scheduler.warmup_epochs", scheduler.name != .cosine || scheduler.warmupEpochs < trainer.epochs,
                    "model '\(model)': a cosine warm-up of \(scheduler.warmupEpochs) epochs leaves none of its \(trainer.epochs) epochs "
                    + "to anneal; it must be below trainer.epochs")
        try require("\(key).selection", trainer.selection != .last || scheduler.name != .plateau,
                    "model '\(model)': selection 'last' has no selection part to drive the plateau scheduler; "
                    + "use scheduler cosine, step or none, or selection 'inner'")
    }

    private func validate(trainer: TrainerConfig, key: String) throws {
        try require("\(key).epochs", trainer.epochs >= 1, "must be at least 1")
        try require("\(key).batch_size", trainer.batchSize >= 1, "must be at least 1")
        try require("\(key).selection_fraction", trainer.selectionFraction > 0 && trainer.selectionFraction < 1, "must be in (0, 1)")
        try require("\(key).lr", trainer.lr > 0, "must be positive")
        try require("\(key).weight_decay", trainer.weightDecay >= 0, "must not be negative")
        try require("\(key).dropout", (0..<1).contains(trainer.dropout), "must be in [0, 1)")
        try require("\(key).label_smoothing", (0..<1).contains(trainer.labelSmoothing), "must be in [0, 1)")
        try require("\(key).grad_clip_norm", trainer.gradClipNorm >= 0, "must not be negative (0 turns clipping off)")
        try require("\(key).head_lr_scale", trainer.headLrScale > 0, "must be positive")
        try require("\(key).freeze_epochs", trainer.freezeEpochs >= 0, "must not be negative")
        try require("\(key).ema_decay", (0..<1).contains(trainer.emaDecay), "must be in [0, 1) (0 turns the average off)")
        try require("\(key).swa_epochs", (0...trainer.epochs).contains(trainer.swaEpochs), "must be in [0, epochs (\(trainer.epochs))]")
        try require("\(key).swa_epochs", trainer.swaEpochs == 0 || trainer.emaDecay == 0, "averages the weights like ema_decay: use one of them (ema_decay: 0 turns the moving average off)")
        try require("\(key).swa_epochs", trainer.swaEpochs == 0 || trainer.earlyStopping.patience == 0 || trainer.selection == .last,
                    "averages the last epochs of a full run: set early_stopping.patience to 0")
        let scheduler = trainer.scheduler
        try require("\(key).scheduler.factor", scheduler.factor > 0 && scheduler.factor < 1, "must be in (0, 1)")
        try require("\(key).scheduler.step_size", scheduler.stepSize >= 1, "must be at least 1")
        try require("\(key).early_stopping.patience", trainer.earlyStopping.patience >= 0, "must not be negative")
        let augment = trainer.augment
        for (name, value) in [("freq_masks", augment.freqMasks), ("freq_mask_param", augment.freqMaskParam),
                              ("time_masks", augment.timeMasks), ("time_mask_param", augment.timeMaskParam)] {
            try require("\(key).augment.\(name)", value >= 0, "must not be negative")
        }
        try require("\(key).augment.mixup_alpha", augment.mixupAlpha >= 0, "must not be negative")
        try require("\(key).augment.mixup_prob", (0...1).contains(augment.mixupProb), "must be in [0, 1]")
        try require("\(key).augment.time_shift_frames", augment.timeShiftFrames >= 0, "must not be negative")
        try require("\(key).augment.freq_warp", (0..<0.5).contains(augment.freqWarp), "must be in [0, 0.5) (0 turns the stretch off)")
        try require("\(key).augment.time_stretch", (0..<0.5).contains(augment.timeStretch), "must be in [0, 0.5) (0 turns the stretch off)")
    }

    /// Points at where the value was set: a model's effective trainer key falls back to the
    /// global `trainer` key it inherited.
    private func error(_ key: String, _ message: String) -> ConfigError {
        let inherited = key.split(separator: ".").count > 3 && key.hasPrefix("models.")
            ? "trainer." + key.split(separator: ".").dropFirst(3).joined(separator: ".") : key
        let origin = origins[key] ?? origins[inherited]
        return ConfigError(source: origin?.source ?? "defaults", line: origin?.line, key: key, message: message)
    }

    private func require(_ key: String, _ condition: Bool, _ message: String) throws {
        if !condition { throw error(key, message) }
    }

    private func choose(_ key: String, _ value: String, among allowed: [String], what: String = "value") throws {
        if !allowed.contains(value) { throw error(key, unknownNameMessage(what, value, known: allowed)) }
    }
}
