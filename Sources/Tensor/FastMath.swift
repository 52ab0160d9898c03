/// Branch-free float32 exp and erf that the compiler can vectorise (libm's expf and erff are
/// scalar calls). Used by the activations and the softmax family.
enum FastMath {
    /// e^x, within 2 ulp of expf on [−87, 88]; inputs outside are clamped (e^−87.3 ≈ 1.2e−38).
    /// Cody–Waite reduction x = k·ln2 + r, |r| ≤ ln2/2, then a degree-6 polynomial for e^r and
    /// 2^k built in the exponent bits.
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        let clamped = Swift.min(Swift.max(x, -87.3), 88.7)
        // Round to nearest by adding and removing 1.5·2²³.
        let k = (clamped * 1.442_695_04 + 12_582_912) - 12_582_912
        let r = clamped - k * 0.693_359_375 + k * 2.121_944_4e-4
        var p: Float = 1.987_569_1e-4
        p = p * r + 1.398_199_9e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 1.666_666_5e-1
        p = p * r + 5.000_000_1e-1
        let er = p * r * r + r + 1
        return er * Float(bitPattern: UInt32(bitPattern: Int32(k) &+ 127) << 23)
    }

    /// erf(x) from e^{−x²} (passed in, so callers that also need it compute it once), by
    /// Abramowitz & Stegun 7.1.26: 1 − t·(a1 + t·(a2 + …)) · e^{−x²}, t = 1/(1 + p|x|);
    /// absolute error below 1.5e−7.
    @inline(__always)
    static func erf(_ x: Float, expMinusSquare: Float) -> Float {
        let t = 1 / (1 + 0.327_591_1 * Swift.abs(x))
        var poly: Float = 1.061_405_429
        poly = poly * t - 1.453_152_027
        poly = poly * t + 1.421_413_741
        poly = poly * t - 0.284_496_736
        poly = poly * t + 0.254_829_592
        let magnitude = 1 - poly * t * expMinusSquare
        return x < 0 ? -magnitude : magnitude
    }
}
