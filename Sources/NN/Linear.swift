import Random
import Tensor

/// y = x · Wᵀ + b over the last axis: x (…, in) → (…, out). Weight (out, in) and bias (out) start
/// as PyTorch's: uniform in ±1/√in (kaiming-uniform with a = √5).
public final class Linear: Module, Layer {
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, generator: inout RandomGenerator) {
        let bound = 1 / Float(inFeatures).squareRoot()
        weight = Tensor.uniform([outFeatures, inFeatures], low: -bound, high: bound, generator: &generator)
        self.bias = bias ? Tensor.uniform([outFeatures], low: -bound, high: bound, generator: &generator) : nil
        super.init()
        parameter("weight", weight)
        if let b = self.bias { parameter("bias", b) }
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        try Tensor.linear(x, weight: weight, bias: bias)
    }
}
