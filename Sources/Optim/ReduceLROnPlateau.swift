/// Divides the learning rate when a monitored metric stops improving: `torch.optim.lr_scheduler.
/// ReduceLROnPlateau`, same options, defaults and semantics.
///
/// After each epoch, `metric` is *better* than the best so far when
/// - mode min, rel: metric < best · (1 − threshold); mode min, abs: metric < best − threshold;
/// - mode max, rel: metric > best · (1 + threshold); mode max, abs: metric > best + threshold
/// (NaN is never better). A better metric becomes the best and resets the count of bad epochs;
/// otherwise the count grows. While cooling down (`cooldown` epochs after a reduction) bad epochs
/// are not counted. When more than `patience` bad epochs have been counted, the learning rate
/// becomes max(lr · factor, minLearningRate), but only if that lowers it by more than `eps`
/// (smaller reductions are skipped); then the cooldown starts and the count is reset.
public final class ReduceLROnPlateau: LearningRateScheduler {
    public enum Mode: String, Sendable { case min, max }
    public enum ThresholdMode: String, Sendable { case rel, abs }

    public let optimizer: Optimizer
    public let mode: Mode
    public let factor: Double
    public let patience: Int
    public let threshold: Double
    public let thresholdMode: ThresholdMode
    public let cooldown: Int
    public let minLearningRate: Double
    public let eps: Double
    /// The best metric so far (±infinity before the first epoch).
    public private(set) var best: Double
    public private(set) var badEpochs = 0
    public private(set) var cooldownRemaining = 0

    /// - Throws: `OptimError` if `factor` is not below 1, or a count or threshold is negative.
    public init(optimizer: Optimizer, mode: Mode = .min, factor: Double = 0.1, patience: Int = 10,
                threshold: Double = 1e-4, thresholdMode: ThresholdMode = .rel, cooldown: Int = 0,
                minLearningRate: Double = 0, eps: Double = 1e-8) throws {
        let name = "ReduceLROnPlateau"
        try OptimError.require(factor < 1, name, "factor", factor, "must be < 1")
        try OptimError.require(patience >= 0, name, "patience", patience, "must be ≥ 0")
        try OptimError.require(threshold >= 0, name, "threshold", threshold, "must be ≥ 0")
        try OptimError.require(cooldown >= 0, name, "cooldown", cooldown, "must be ≥ 0")
        try OptimError.require(minLearningRate >= 0, name, "min lr", minLearningRate, "must be ≥ 0")
        self.optimizer = optimizer
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.thresholdMode = thresholdMode
        self.cooldown = cooldown
        self.minLearningRate = minLearningRate
        self.eps = eps
        best = mode == .min ? .infinity : -.infinity
    }

    @discardableResult
    public func step(epoch: Int, metric: Double) -> Double {
        if isBetter(metric) {
            best = metric
            badEpochs = 0
        } else {
            badEpochs += 1
        }
        if cooldownRemaining > 0 {
            cooldownRemaining -= 1
            badEpochs = 0
        }
        if badEpochs > patience {
            let old = optimizer.learningRate
            let new = max(old * factor, minLearningRate)
            if old - new > eps { optimizer.learningRate = new }
            cooldownRemaining = cooldown
            badEpochs = 0
        }
        return optimizer.learningRate
    }

    private func isBetter(_ metric: Double) -> Bool {
        switch (mode, thresholdMode) {
        case (.min, .rel): return metric < best * (1 - threshold)
        case (.min, .abs): return metric < best - threshold
        case (.max, .rel): return metric > best * (threshold + 1)
        case (.max, .abs): return metric > best + threshold
        }
    }
}
