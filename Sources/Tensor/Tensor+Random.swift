import Random

/// Tensors of random samples from the one seeded generator (`Random`).
extension Tensor {
    /// Standard normal samples.
    public static func randn(_ shape: [Int], generator: inout RandomGenerator) -> Tensor {
        let storage = TensorStorage(count: Shape.count(shape))
        for index in 0..<storage.count { storage.base[index] = generator.nextNormal() }
        return Tensor(shape: shape, storage: storage)
    }

    /// Uniform samples in [low, high).
    public static func uniform(_ shape: [Int], low: Float, high: Float, generator: inout RandomGenerator) -> Tensor {
        let storage = TensorStorage(count: Shape.count(shape))
        for index in 0..<storage.count { storage.base[index] = low + (high - low) * generator.nextUniform() }
        return Tensor(shape: shape, storage: storage)
    }
}
