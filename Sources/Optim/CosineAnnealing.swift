import Foundation

/// Linear warm-up, then cosine annealing from the optimizer's learning rate down to
/// `minLearningRate` over the remaining epochs. For epoch e (0-based) of `epochs` = T, with
/// W = `warmupEpochs` and base = the optimizer's learning rate when the scheduler is made:
///
///     e < W:  lr(e) = base · (e + 1) / (W + 1)
///     e ≥ W:  lr(e) = min + (base − min) · (1 + cos(π · (e − W) / (T − W))) / 2
///
/// Warm-up thus climbs in equal steps from base/(W+1) and the cosine starts at base in epoch W,
/// reaching min at e = T (the step after the last epoch). With W = 0 this is exactly PyTorch's
/// `CosineAnnealingLR(T_max=T, eta_min=min)` in its closed form, evaluated in the same order;
/// like it, the cosine would rise again past T.
public final class CosineAnnealing: LearningRateScheduler {
    public let optimizer: Optimizer
    public let epochs: Int
    public let warmupEpochs: Int
    public let minLearningRate: Double
    public let baseLearningRate: Double

    /// Sets the optimizer's learning rate to lr(0).
    /// - Throws: `OptimError` unless 0 ≤ warmupEpochs < epochs and minLearningRate ≥ 0.
    public init(optimizer: Optimizer, epochs: Int, warmupEpochs: Int = 0, minLearningRate: Double = 0) throws {
        try OptimError.require(warmupEpochs >= 0, "CosineAnnealing", "warm-up epochs", warmupEpochs, "must be ≥ 0")
        try OptimError.require(epochs > warmupEpochs, "CosineAnnealing", "epochs", epochs,
                               "must exceed the warm-up epochs (\(warmupEpochs))")
        try OptimError.require(minLearningRate >= 0, "CosineAnnealing", "min lr", minLearningRate, "must be ≥ 0")
        self.optimizer = optimizer
        self.epochs = epochs
        self.warmupEpochs = warmupEpochs
        self.minLearningRate = minLearningRate
        baseLearningRate = optimizer.learningRate
        optimizer.learningRate = learningRate(epoch: 0)
    }

    /// The learning rate of epoch `epoch` (0-based).
    public func learningRate(epoch: Int) -> Double {
        if epoch < warmupEpochs {
            return baseLearningRate * Double(epoch + 1) / Double(warmupEpochs + 1)
        }
        let phase = Double.pi * Double(epoch - warmupEpochs) / Double(epochs - warmupEpochs)
        return minLearningRate + (baseLearningRate - minLearningRate) * (1 + cos(phase)) / 2
    }

    @discardableResult
    public func step(epoch: Int, metric: Double) -> Double {
        optimizer.learningRate = learningRate(epoch: epoch + 1)
        return optimizer.learningRate
    }
}
