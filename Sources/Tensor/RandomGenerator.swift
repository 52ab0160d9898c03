import Foundation

/// SpectroFold's one seeded random generator (xoshiro256**, seeded through SplitMix64): the same
/// seed gives the same stream on every machine, so initialisation, shuffling, dropout and
/// augmentation are reproducible. Conforms to `RandomNumberGenerator` for `shuffle(using:)`.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var mix = seed
        func splitMix() -> UInt64 {
            mix &+= 0x9E37_79B9_7F4A_7C15
            var z = mix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotate(state.3, 45)
        return result
    }

    /// A uniform Float in [0, 1) with 24 random bits.
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A standard normal Float (Box–Muller on two uniforms).
    public mutating func nextNormal() -> Float {
        let u1 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return Float((-2 * Foundation.log(1 - u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// A generator whose stream is independent of this one's, for a named sub-task (a fold, a
    /// model, the loader): the same parent seed and `stream` always give the same child.
    public func derived(stream: UInt64) -> RandomGenerator {
        var copy = self
        return RandomGenerator(seed: copy.next() ^ (stream &* 0xD1B5_4A32_D192_ED03))
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

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
