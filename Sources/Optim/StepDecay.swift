import Foundation

/// Multiplies the learning rate by `gamma` every `stepSize` epochs: PyTorch's
/// `StepLR(step_size, gamma)` in its closed form, lr(e) = base · gamma^⌊e / stepSize⌋ for epoch e
/// (0-based), base being the optimizer's learning rate when the scheduler is made.
public final class StepDecay: LearningRateScheduler {
    public let optimizer: Optimizer
    public let stepSize: Int
    public let gamma: Double
    public let baseLearningRate: Double

    /// - Throws: `OptimError` unless stepSize ≥ 1 and gamma ≥ 0.
    public init(optimizer: Optimizer, stepSize: Int, gamma: Double = 0.1) throws {
        try OptimError.require(stepSize >= 1, "StepDecay", "step size", stepSize, "must be ≥ 1")
        try OptimError.require(gamma >= 0, "StepDecay", "gamma", gamma, "must be ≥ 0")
        self.optimizer = optimizer
        self.stepSize = stepSize
        self.gamma = gamma
        baseLearningRate = optimizer.learningRate
    }

    /// The learning rate of epoch `epoch` (0-based).
    public func learningRate(epoch: Int) -> Double {
        baseLearningRate * pow(gamma, Double(epoch / stepSize))
    }

    @discardableResult
    public func step(epoch: Int, metric: Double) -> Double {
        optimizer.learningRate = learningRate(epoch: epoch + 1)
        return optimizer.learningRate
    }
}
