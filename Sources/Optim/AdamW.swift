import Tensor

/// Adam with decoupled weight decay (Loshchilov & Hutter 2019): `torch.optim.AdamW`'s update and
/// defaults. Before the Adam step each parameter is multiplied by 1 − lr · weightDecay; the
/// gradient itself is not decayed. See `Adam` for the rest of the update.
public final class AdamW: Adam {
    /// - Throws: `OptimError` for a negative learning rate, ε or weight decay, or a β outside [0, 1).
    public init(parameters: [(name: String, tensor: Tensor)], learningRate: Double = 1e-3,
                betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8, weightDecay: Double = 1e-2) throws {
        try super.init(parameters: parameters, learningRate: learningRate, betas: betas, eps: eps,
                       weightDecay: weightDecay, decoupled: true, name: "AdamW")
    }
}
