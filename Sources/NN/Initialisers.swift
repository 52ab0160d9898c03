import Random
import Tensor

/// Initial values not covered by the layers' own PyTorch defaults.
public enum Initialisers {
    /// Normal(0, std) samples, each redrawn until it lies within ±2·std. (timm's `trunc_normal_`
    /// cuts at ±2 absolute, which for std 0.02 cuts nothing; either way the values stay small.)
    public static func truncatedNormal(_ shape: [Int], std: Float, generator: inout RandomGenerator) -> Tensor {
        var values = [Float](repeating: 0, count: shape.reduce(1, *))
        for i in values.indices {
            var sample = generator.nextNormal()
            while abs(sample) > 2 { sample = generator.nextNormal() }
            values[i] = sample * std
        }
        return try! Tensor(values, shape: shape)
    }
}
