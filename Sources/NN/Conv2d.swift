import Random
import Tensor

/// 2-d convolution, (N, C, H, W) → (N, O, Ho, Wo), weight (O, C, kh, kw), optional bias (O).
/// Initialised as PyTorch's: uniform in ±1/√(C·kh·kw).
public final class Conv2d: Module, Layer {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: (Int, Int)
    public let padding: (Int, Int)

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true, generator: inout RandomGenerator) {
        let bound = 1 / Float(inChannels * kernel * kernel).squareRoot()
        weight = Tensor.uniform([outChannels, inChannels, kernel, kernel], low: -bound, high: bound, generator: &generator)
        self.bias = bias ? Tensor.uniform([outChannels], low: -bound, high: bound, generator: &generator) : nil
        self.stride = (stride, stride)
        self.padding = (padding, padding)
        super.init()
        parameter("weight", weight)
        if let b = self.bias { parameter("bias", b) }
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        try Tensor.conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding)
    }
}
