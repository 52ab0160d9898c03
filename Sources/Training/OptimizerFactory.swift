import Config
import NN
import Optim
import Tensor

/// The optimizer and learning-rate schedule a `TrainerConfig` names, over a model's parameters.
enum OptimizerFactory {
    static func optimizer(_ settings: TrainerConfig, parameters: [(name: String, tensor: Tensor)]) throws -> Optimizer {
        switch settings.optimizer {
        case .sgd:
            return try SGD(parameters: parameters, learningRate: settings.lr, momentum: settings.momentum,
                           nesterov: settings.nesterov, weightDecay: settings.weightDecay)
        case .adam:
            return try Adam(parameters: parameters, learningRate: settings.lr, weightDecay: settings.weightDecay)
        case .adamw:
            return try AdamW(parameters: parameters, learningRate: settings.lr, weightDecay: settings.weightDecay)
        }
    }

    /// nil for `none`.
    static func scheduler(_ settings: TrainerConfig, optimizer: Optimizer) throws -> LearningRateScheduler? {
        let s = settings.scheduler
        switch s.name {
        case .plateau:
            let mode: ReduceLROnPlateau.Mode = switch s.mode { case .min: .min; case .max: .max }
            let thresholdMode: ReduceLROnPlateau.ThresholdMode = switch s.thresholdMode { case .rel: .rel; case .abs: .abs }
            return try ReduceLROnPlateau(optimizer: optimizer, mode: mode, factor: s.factor, patience: s.patience,
                                         threshold: s.threshold, thresholdMode: thresholdMode, cooldown: s.cooldown,
                                         minLearningRate: s.minLr, eps: s.eps)
        case .cosine:
            return try CosineAnnealing(optimizer: optimizer, epochs: settings.epochs, warmupEpochs: s.warmupEpochs,
                                       minLearningRate: s.minLr)
        case .step:
            return try StepDecay(optimizer: optimizer, stepSize: s.stepSize, gamma: s.gamma)
        case .none:
            return nil
        }
    }
}
