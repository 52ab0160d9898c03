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
        let norm = parameter.withUnsafeMutableGrad { g in
            Float(g.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot())
        }
        sumOfSquares += Double(norm) * Double(norm)
    }
    let total = Float(sumOfSquares.squareRoot())
    let scale = min(Float(maxNorm) / (total + 1e-6), 1)
    for parameter in grads {
        parameter.withUnsafeMutableGrad { g in
            for i in 0..<g.count { g[i] *= scale }
        }
    }
    return total
}
