import Foundation
import Tensor
import VectorKernels

/// Adam (Kingma & Ba 2015) with L2-coupled weight decay: `torch.optim.Adam`'s update and
/// defaults, element by element in Float32. `AdamW` is the same with decoupled decay.
///
/// For each parameter p with gradient g, at its t-th step with a gradient and learning rate lr:
///
///     g = g + weightDecay · p                       (Adam; AdamW instead first sets
///                                                     p = p · (1 − lr · weightDecay))
///     m = m + (1 − β₁) · (g − m)
///     v = β₂ · v + (1 − β₂) · g²
///     p = p − lr / (1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// The scalars (step size, bias corrections, decay factor) are computed in Double, as PyTorch
/// does in Python, and rounded to Float32 once. The element-wise arithmetic rounds as PyTorch's
/// CPU kernels do: the decay term of g, the m update (`lerp`) and the v update (`addcmul`) are
/// fused multiply-adds; the step is p + (−step size · m) / denominator (`addcdiv`). The update runs
/// in C (`vk_adam_update`, AVX2 and AVX-512 clones), split over the loop threads.
public class Adam: Optimizer {
    public var learningRate: Double
    public let beta1: Double
    public let beta2: Double
    public let eps: Double
    public let weightDecay: Double
    public let parameters: [(name: String, tensor: Tensor)]
    public var learningRateScales: [Double]
    /// Whether weight decay shrinks the parameters directly (AdamW) instead of adding to the gradient.
    let decoupledWeightDecay: Bool
    /// Per-parameter state, created at a parameter's first gradient (index-aligned with `parameters`).
    private var moments: [(steps: Int, mean: Tensor, meanSquare: Tensor)?]

    /// - Throws: `OptimError` for a negative learning rate, ε or weight decay, or a β outside [0, 1).
    public convenience init(parameters: [(name: String, tensor: Tensor)], learningRate: Double = 1e-3,
                            betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8, weightDecay: Double = 0) throws {
        try self.init(parameters: parameters, learningRate: learningRate, betas: betas, eps: eps,
                      weightDecay: weightDecay, decoupled: false, name: "Adam")
    }

    init(parameters: [(name: String, tensor: Tensor)], learningRate: Double, betas: (Double, Double), eps: Double,
         weightDecay: Double, decoupled: Bool, name: String) throws {
        try OptimError.require(learningRate >= 0, name, "learning rate", learningRate, "must be ≥ 0")
        try OptimError.require((0..<1).contains(betas.0), name, "beta1", betas.0, "must be in [0, 1)")
        try OptimError.require((0..<1).contains(betas.1), name, "beta2", betas.1, "must be in [0, 1)")
        try OptimError.require(eps >= 0, name, "eps", eps, "must be ≥ 0")
        try OptimError.require(weightDecay >= 0, name, "weight decay", weightDecay, "must be ≥ 0")
        try OptimError.requireUniqueNames(parameters, name)
        self.parameters = parameters
        self.learningRate = learningRate
        beta1 = betas.0
        beta2 = betas.1
        self.eps = eps
        self.weightDecay = weightDecay
        decoupledWeightDecay = decoupled
        moments = Array(repeating: nil, count: parameters.count)
        learningRateScales = Array(repeating: 1, count: parameters.count)
    }

    public func step() {
        let coupledDecay: Float = decoupledWeightDecay ? 0 : Float(weightDecay)
        let (oneMinusBeta1, oneMinusBeta2) = (Float(1 - beta1), Float(1 - beta2))
        let (beta2Float, epsFloat) = (Float(beta2), Float(eps))
        for (index, parameter) in parameters.enumerated() {
            guard let grad = parameter.tensor.grad else { continue }
            let learningRate = self.learningRate * learningRateScales[index]
            let shrink = decoupledWeightDecay ? Float(1 - learningRate * weightDecay) : 1  // exactly a no-op for Adam
            var state = moments[index] ?? (0, Tensor.zeros(parameter.tensor.shape), Tensor.zeros(parameter.tensor.shape))
            state.steps += 1
            moments[index] = state
            let t = Double(state.steps)
            let stepSize = Float(-(learningRate / (1 - pow(beta1, t))))
            let correction2Root = Float(pow(1 - pow(beta2, t), 0.5))
            grad.withUnsafeBufferPointer { g in
                parameter.tensor.withUnsafeMutableBufferPointer { p in
                    state.mean.withUnsafeMutableBufferPointer { m in
                        state.meanSquare.withUnsafeMutableBufferPointer { v in
                            let (p, g, m, v) = (p.baseAddress!, g.baseAddress!, m.baseAddress!, v.baseAddress!)
                            ComputeThreads.parallelFor(parameter.tensor.count, grain: 1 << 16) { range in
                                let i = range.lowerBound
                                vk_adam_update(p + i, g + i, m + i, v + i, Int64(range.count), shrink, coupledDecay, oneMinusBeta1,
                                               beta2Float, oneMinusBeta2, epsFloat, stepSize, correction2Root)
                            }
                        }
                    }
                }
            }
        }
    }

    public func namedState() -> [(name: String, tensor: Tensor)] {
        zip(parameters, moments).flatMap { parameter, state -> [(name: String, tensor: Tensor)] in
            guard let state else { return [] }
            return [("\(parameter.name).step", Tensor(scalar: Float(state.steps))),
                    ("\(parameter.name).exp_avg", state.mean),
                    ("\(parameter.name).exp_avg_sq", state.meanSquare)]
        }
    }
}
