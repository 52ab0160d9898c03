/// Checks the values that types alone cannot: names from a fixed set, ranges. Errors point at
/// where the value was set (file and line, or the `--set` argument), else at the default.
struct ConfigValidator {
    let origins: [String: (source: String, line: Int?)]

    func validate(_ config: SweepConfig) throws {
        try choose("data.on_error", config.data.onError, among: ["skip", "stop"])
        try require("features.sample_rate", config.features.sampleRate >= 8000, "must be at least 8000 Hz")
        try require("features.num_mel_bins", config.features.numMelBins >= 1, "must be at least 1")
        try require("features.frames", config.features.frames >= 1, "must be at least 1")
        try require("folds.k", config.folds.k >= 2, "must be at least 2")
        try choose("folds.strategy", config.folds.strategy, among: ["stratified", "stratified_group", "manifest"])

        try require("models.run", !config.models.run.isEmpty, "names no model")
        for (index, name) in config.models.run.enumerated() {
            try choose("models.run", name, among: ModelsConfig.known, what: "model")
            try require("models.run", !config.models.run[..<index].contains(name), "names '\(name)' twice")
        }
        try validate(trainer: config.trainer, key: "trainer")
        for name in ModelsConfig.known {
            let settings = config.models.settings(for: name)!
            try choose("models.\(name).preset", settings.preset, among: ["mini", "standard"], what: "preset")
            try validate(trainer: settings.trainer, key: "models.\(name).trainer")
        }
    }

    private func validate(trainer: TrainerConfig, key: String) throws {
        try require("\(key).epochs", trainer.epochs >= 1, "must be at least 1")
        try require("\(key).batch_size", trainer.batchSize >= 1, "must be at least 1")
        try choose("\(key).optimizer", trainer.optimizer, among: ["sgd", "adam", "adamw"], what: "optimizer")
        try require("\(key).lr", trainer.lr > 0, "must be positive")
        try require("\(key).weight_decay", trainer.weightDecay >= 0, "must not be negative")
        try require("\(key).dropout", (0..<1).contains(trainer.dropout), "must be in [0, 1)")
        try require("\(key).label_smoothing", (0..<1).contains(trainer.labelSmoothing), "must be in [0, 1)")
        try require("\(key).grad_clip_norm", trainer.gradClipNorm >= 0, "must not be negative (0 turns clipping off)")
        let scheduler = trainer.scheduler
        try choose("\(key).scheduler.name", scheduler.name, among: ["plateau", "cosine", "step", "none"], what: "scheduler")
        try choose("\(key).scheduler.mode", scheduler.mode, among: ["min", "max"])
        try choose("\(key).scheduler.threshold_mode", scheduler.thresholdMode, among: ["rel", "abs"])
        try require("\(key).scheduler.factor", scheduler.factor > 0 && scheduler.factor < 1, "must be in (0, 1)")
        try require("\(key).scheduler.step_size", scheduler.stepSize >= 1, "must be at least 1")
        try require("\(key).early_stopping.patience", trainer.earlyStopping.patience >= 0, "must not be negative")
        let augment = trainer.augment
        for (name, value) in [("freq_masks", augment.freqMasks), ("freq_mask_param", augment.freqMaskParam),
                              ("time_masks", augment.timeMasks), ("time_mask_param", augment.timeMaskParam)] {
            try require("\(key).augment.\(name)", value >= 0, "must not be negative")
        }
        try require("\(key).augment.mixup_alpha", augment.mixupAlpha >= 0, "must not be negative")
    }

    private func error(_ key: String, _ message: String) -> ConfigError {
        let origin = origins[key]
        return ConfigError(source: origin?.source ?? "defaults", line: origin?.line, key: key, message: message)
    }

    private func require(_ key: String, _ condition: Bool, _ message: String) throws {
        if !condition { throw error(key, message) }
    }

    private func choose(_ key: String, _ value: String, among allowed: [String], what: String = "value") throws {
        if !allowed.contains(value) { throw error(key, unknownNameMessage(what, value, known: allowed)) }
    }
}
