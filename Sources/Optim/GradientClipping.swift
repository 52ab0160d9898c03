import Tensor

/// Scales the gradients of `parameters` in place so that their global L2 norm is at most
/// `maxNorm`, as `torch.nn.utils.clip_grad_norm_` does (norm type 2), and returns the norm before
/// clipping.
///
/// The total norm is ‖(‖g₁‖, …, ‖gₙ‖)‖₂ over the parameters that have a gradient (those without
/// one are ignored; none at all gives 0). Every gradient is multiplied by
/// min(maxNorm / (total + 1e-6), 1) in Float32, also when that factor is 1. Norms are accumulated
/// in Double and rounded to Float32. A NaN or infinite norm is returned as is (and spreads into
/// the gradients, as in PyTorch): the caller's non-finite guard sees it.
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Double) -> Float {
    let grads = parameters.filter { $0.grad != nil }
    var sumOfSquares = 0.0
    for parameter in grads {
        let norm = parameter.withUnsafeMutableGrad { Float(squaredNorm(UnsafeBufferPointer($0)).squareRoot()) }
        sumOfSquares += Double(norm) * Double(norm)
    }
    let total = Float(sumOfSquares.squareRoot())
    let scale = min(Float(maxNorm) / (total + 1e-6), 1)
    for parameter in grads {
        parameter.withUnsafeMutableGrad { g in
            ComputeThreads.parallelFor(g.count, grain: 1 << 16) { range in
                for i in range { g[i] *= scale }
            }
        }
    }
    return total
}

/// Σ x² over `x`, accumulated in Double in eight interleaved partial sums (vectorised; the order
/// is fixed, so the result does not depend on the thread count).
private func squaredNorm(_ x: UnsafeBufferPointer<Float>) -> Double {
    var partial = SIMD8<Double>()
    var i = 0
    while i + 8 <= x.count {
        let lanes = SIMD8<Double>(UnsafeRawPointer(x.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self))
        partial += lanes * lanes
        i += 8
    }
    var sum = partial.sum()
    while i < x.count {
        sum += Double(x[i]) * Double(x[i])
        i += 1
    }
    return sum
}
