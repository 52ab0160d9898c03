import Tensor

/// Stochastic gradient descent with optional momentum (dampening 0), Nesterov momentum and L2
/// weight decay: `torch.optim.SGD`'s update, element by element in Float32 with PyTorch's roundings
/// (each `a + α·b` below is one fused multiply-add, as in PyTorch's CPU kernels).
///
/// For each parameter p with gradient g, at learning rate lr:
///
///     d = g + weightDecay · p
///     b = d                      (first step with a gradient: the buffer starts as d)
///     b = momentum · b + d       (later steps)
///     d = nesterov ? d + momentum · b : b      (when momentum ≠ 0)
///     p = p − lr · d
public final class SGD: Optimizer {
    public var learningRate: Double
    public let momentum: Double
    public let nesterov: Bool
    public let weightDecay: Double
    public let parameters: [(name: String, tensor: Tensor)]
    public var learningRateScales: [Double]
    /// Momentum buffers, created at a parameter's first gradient (index-aligned with `parameters`).
    private var buffers: [Tensor?]

    /// - Throws: `OptimError` for a negative learning rate, momentum or weight decay, or Nesterov
    ///   without momentum.
    public init(parameters: [(name: String, tensor: Tensor)], learningRate: Double, momentum: Double = 0,
                nesterov: Bool = false, weightDecay: Double = 0) throws {
        try OptimError.require(learningRate >= 0, "SGD", "learning rate", learningRate, "must be ≥ 0")
        try OptimError.require(momentum >= 0, "SGD", "momentum", momentum, "must be ≥ 0")
        try OptimError.require(weightDecay >= 0, "SGD", "weight decay", weightDecay, "must be ≥ 0")
        try OptimError.require(!nesterov || momentum > 0, "SGD", "momentum", momentum, "Nesterov momentum needs momentum > 0")
        try OptimError.requireUniqueNames(parameters, "SGD")
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        buffers = Array(repeating: nil, count: parameters.count)
        learningRateScales = Array(repeating: 1, count: parameters.count)
    }

    public func step() {
        let decay = Float(weightDecay), mu = Float(momentum)
        for (index, parameter) in parameters.enumerated() {
            guard let grad = parameter.tensor.grad else { continue }
            let rate = Float(-learningRate * learningRateScales[index])
            let first = buffers[index] == nil
            let buffer: Tensor? = momentum == 0 ? nil : (buffers[index] ?? Tensor.zeros(parameter.tensor.shape))
            buffers[index] = buffer
            grad.withUnsafeBufferPointer { g in
                parameter.tensor.withUnsafeMutableBufferPointer { p in
                    guard let buffer else {
                        ComputeThreads.parallelFor(p.count, grain: 1 << 16) { range in
                            for i in range { p[i] = fusedMultiplyAdd(rate, fusedMultiplyAdd(decay, p[i], g[i]), p[i]) }
                        }
                        return
                    }
                    buffer.withUnsafeMutableBufferPointer { b in
                        ComputeThreads.parallelFor(p.count, grain: 1 << 16) { range in
                            for i in range {
                                let d = fusedMultiplyAdd(decay, p[i], g[i])
                                b[i] = first ? d : b[i] * mu + d
                                p[i] = fusedMultiplyAdd(rate, nesterov ? fusedMultiplyAdd(mu, b[i], d) : b[i], p[i])
                            }
                        }
                    }
                }
            }
        }
    }

    public func namedState() -> [(name: String, tensor: Tensor)] {
        zip(parameters, buffers).compactMap { parameter, buffer in
            buffer.map { ("\(parameter.name).momentum_buffer", $0) }
        }
    }
}
