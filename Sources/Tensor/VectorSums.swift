/// Sums over contiguous floats with 16-wide vector accumulators. A plain `total += x[i]` loop is
/// one dependent add per element (float addition is not reassociated), several times slower.
enum VectorSums {
    /// Σ x[i] for i in 0..<n.
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD16<Float>(), i = 0
        while i + 16 <= n {
            acc += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
            i += 16
        }
        var total = acc.sum()
        while i < n { total += x[i]; i += 1 }
        return total
    }

    /// Σ a[i]·b[i] for i in 0..<n.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD16<Float>(), i = 0
        while i + 16 <= n {
            acc += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self) * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<Float>.self)
            i += 16
        }
        var total = acc.sum()
        while i < n { total += a[i] * b[i]; i += 1 }
        return total
    }

    /// The largest of x[0..<n] (n > 0) and the first index holding it, as a scan with `>` from
    /// −∞ finds them (NaN never wins; (−∞, 0) when nothing beats −∞).
    static func firstMax(_ x: UnsafePointer<Float>, _ n: Int) -> (value: Float, index: Int) {
        var lanes = SIMD16<Float>(repeating: -.infinity), i = 0
        while i + 16 <= n {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
            lanes.replace(with: v, where: lanes .< v)
            i += 16
        }
        var best = lanes.max()
        while i < n {
            if x[i] > best { best = x[i] }
            i += 1
        }
        guard best > -.infinity else { return (best, 0) }
        var index = 0
        while x[index] != best { index += 1 }
        return (best, index)
    }
}
