import Random
import Tensor

/// Layers without parameters, so that they can stand in a `Sequential` at PyTorch's indices.

/// Inverted dropout with probability `p` in training; identity in evaluation. Draws its masks from
/// its own generator, so a seeded model drops the same units on every run.
public final class Dropout: Module, Layer {
    public let p: Float
    private var generator: RandomGenerator

    public init(_ p: Float, generator: inout RandomGenerator) {
        self.p = p
        self.generator = RandomGenerator(seed: generator.next())
        super.init()
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        training && p > 0 ? try x.dropout(p, generator: &generator) : x
    }
}

public final class ReLU: Module, Layer {
    public func forward(_ x: Tensor) throws -> Tensor { x.relu() }
}

public final class GELU: Module, Layer {
    public func forward(_ x: Tensor) throws -> Tensor { x.gelu() }
}

/// (N, …) → (N, rest) as PyTorch's `nn.Flatten()`.
public final class Flatten: Module, Layer {
    public func forward(_ x: Tensor) throws -> Tensor { try x.reshaped([x.shape[0], -1]) }
}

public final class MaxPool2d: Module, Layer {
    public let kernel: Int, stride: Int, padding: Int

    public init(kernel: Int, stride: Int, padding: Int = 0) {
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        super.init()
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        try x.maxPool2d(kernel: (kernel, kernel), stride: (stride, stride), padding: (padding, padding))
    }
}

/// (N, C, H, W) → (N, C, h, w) averaging over adaptive windows.
public final class AdaptiveAvgPool2d: Module, Layer {
    public let size: (Int, Int)

    public init(_ size: (Int, Int)) {
        self.size = size
        super.init()
    }

    public func forward(_ x: Tensor) throws -> Tensor { try x.adaptiveAvgPool2d(size) }
}

/// Layers applied in order, registered as "0", "1", … as in PyTorch.
public final class Sequential: Module, Layer {
    public let layers: [any Layer]

    public init(_ layers: [any Layer]) {
        self.layers = layers
        super.init()
        for (index, layer) in layers.enumerated() { child(String(index), layer) }
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        try layers.reduce(x) { try $1($0) }
    }
}
