import Tensor

/// Batch norm over the channels of (N, C, H, W), PyTorch's BatchNorm2d: weight 1, bias 0,
/// running_mean 0, running_var 1, num_batches_tracked counting training steps.
public final class BatchNorm2d: Module, Layer {
    public let weight: Tensor, bias: Tensor, runningMean: Tensor, runningVar: Tensor
    /// Training batches seen (PyTorch's `num_batches_tracked`, stored as I64 in state dicts).
    public var batchesTracked = 0
    /// The running statistics' update weight (PyTorch's `momentum`); weight averaging sets it per
    /// batch to recompute the statistics as a plain mean.
    public var momentum: Float
    public let eps: Float

    public init(_ channels: Int, momentum: Float = 0.1, eps: Float = 1e-5) {
        weight = .ones([channels])
        bias = .zeros([channels])
        runningMean = .zeros([channels])
        runningVar = .ones([channels])
        self.momentum = momentum
        self.eps = eps
        super.init()
        parameter("weight", weight)
        parameter("bias", bias)
        buffer("running_mean", runningMean)
        buffer("running_var", runningVar)
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        try normalize(x, relu: false)
    }

    /// Batch norm followed by ReLU, as one op (see `Tensor.batchNorm(relu:)`): the same values and
    /// gradients as `self(x).relu()` with fewer passes over memory.
    public func withReLU(_ x: Tensor) throws -> Tensor {
        emit(try normalize(x, relu: true))
    }

    private func normalize(_ x: Tensor, relu: Bool) throws -> Tensor {
        if training { batchesTracked += 1 }
        return try Tensor.batchNorm(x, weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar,
                                    training: training, momentum: momentum, eps: eps, relu: relu)
    }
}

/// Layer norm over the last axis (D): weight 1, bias 0.
public final class LayerNorm: Module, Layer {
    public let weight: Tensor, bias: Tensor
    public let eps: Float

    public init(_ features: Int, eps: Float = 1e-5) {
        weight = .ones([features])
        bias = .zeros([features])
        self.eps = eps
        super.init()
        parameter("weight", weight)
        parameter("bias", bias)
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        try Tensor.layerNorm(x, weight: weight, bias: bias, eps: eps)
    }
}
