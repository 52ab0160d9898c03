import Foundation
import VectorKernels

/// Elementwise activations. Each is y = f(x) forward and gx += g · f'(x, y) backward, where the
/// derivative is written in whichever of x and y makes it cheapest. The kinds are switched on
/// outside the loops so that each loop body inlines and vectorises.
extension Tensor {
    /// max(0, x); the gradient at 0 is 0, as in PyTorch.
    public func relu() -> Tensor { unary(.relu) }

    /// Exact GELU (the erf form, not the tanh approximation): x · Φ(x) = ½x(1 + erf(x/√2)).
    public func gelu() -> Tensor { unary(.gelu) }

    /// 1 / (1 + e^−x).
    public func sigmoid() -> Tensor { unary(.sigmoid) }

    public func tanh() -> Tensor { unary(.tanh) }

    /// 1 / x (the denominator of `/`).
    func reciprocal() -> Tensor { unary(.reciprocal) }

    enum UnaryOp: String {
        case relu, gelu, sigmoid, tanh, reciprocal
    }

    private func unary(_ op: UnaryOp) -> Tensor {
        let out = TensorStorage(count: count)
        let (x, y, n) = (storage.base, out.base, count)
        ComputeThreads.parallelFor(n, grain: ComputeThreads.elementwiseGrain) { range in
            let (x, y, m) = (x + range.lowerBound, y + range.lowerBound, range.count)
            switch op {
            case .relu: Self.map(x, y, m) { $0 > 0 ? $0 : 0 }
            case .gelu: vk_gelu(x, y, Int64(m))
            case .sigmoid: Self.map(x, y, m) { 1 / (1 + vk_exp(-$0)) }
            case .tanh: Self.map(x, y, m) { tanhf($0) }
            case .reciprocal: Self.map(x, y, m) { 1 / $0 }
            }
        }
        return Tensor.result(op.rawValue, shape: shape, storage: out, inputs: [self]) {
            { g in
                let (gx, add) = self.gradDestination()
                ComputeThreads.parallelFor(n, grain: ComputeThreads.elementwiseGrain) { range in
                    let (x, y, g, gx, m) = (x + range.lowerBound, y + range.lowerBound, g + range.lowerBound, gx + range.lowerBound, range.count)
                    switch op {
                    case .relu: Self.write(gx, m, accumulate: add) { g[$0] * (x[$0] > 0 ? 1 : 0) }
                    case .gelu: vk_gelu_backward(x, g, gx, Int64(m), add ? 1 : 0)
                    case .sigmoid: Self.write(gx, m, accumulate: add) { g[$0] * (y[$0] * (1 - y[$0])) }
                    case .tanh: Self.write(gx, m, accumulate: add) { g[$0] * (1 - y[$0] * y[$0]) }
                    case .reciprocal: Self.write(gx, m, accumulate: add) { g[$0] * (-y[$0] * y[$0]) }
                    }
                }
            }
        }
    }

    /// y[i] = f(x[i]) for i in 0..<n.
    @inline(__always)
    private static func map(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, _ f: (Float) -> Float) {
        for i in 0..<n { y[i] = f(x[i]) }
    }

}
