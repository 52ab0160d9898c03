import Foundation

/// Elementwise activations. Each is y = f(x) forward and gx += g · f'(x, y) backward, where the
/// derivative is written in whichever of x and y makes it cheapest.
extension Tensor {
    /// max(0, x); the gradient at 0 is 0, as in PyTorch.
    public func relu() -> Tensor {
        unary("relu", { $0 > 0 ? $0 : 0 }, derivative: { x, _ in x > 0 ? 1 : 0 })
    }

    /// Exact GELU (the erf form, not the tanh approximation): x · Φ(x) = ½x(1 + erf(x/√2)).
    public func gelu() -> Tensor {
        unary("gelu", { x in
            let e = FastMath.exp(-0.5 * x * x)
            return 0.5 * x * (1 + FastMath.erf(x * 0.707_106_78, expMinusSquare: e))
        }, derivative: { x, _ in
            // Φ(x) + x · φ(x), where e^{−(x/√2)²} = e^{−x²/2} serves both terms.
            let e = FastMath.exp(-0.5 * x * x)
            return 0.5 * (1 + FastMath.erf(x * 0.707_106_78, expMinusSquare: e)) + x * 0.398_942_28 * e
        })
    }

    /// 1 / (1 + e^−x).
    public func sigmoid() -> Tensor {
        unary("sigmoid", { 1 / (1 + FastMath.exp(-$0)) }, derivative: { _, y in y * (1 - y) })
    }

    public func tanh() -> Tensor {
        unary("tanh", { tanhf($0) }, derivative: { _, y in 1 - y * y })
    }

    /// 1 / x (the denominator of `/`).
    func reciprocal() -> Tensor {
        unary("reciprocal", { 1 / $0 }, derivative: { _, y in -y * y })
    }

    @inline(__always)
    private func unary(_ op: String, _ f: @escaping (Float) -> Float,
                       derivative: @escaping (_ x: Float, _ y: Float) -> Float) -> Tensor {
        let out = TensorStorage(count: count)
        let (x, y, n) = (storage.base, out.base, count)
        ComputeThreads.parallelFor(n, grain: ComputeThreads.elementwiseGrain) { range in
            for i in range { y[i] = f(x[i]) }
        }
        return Tensor.result(op, shape: shape, storage: out, inputs: [self]) {
            { g in
                let gx = self.gradAccumulator()
                ComputeThreads.parallelFor(n, grain: ComputeThreads.elementwiseGrain) { range in
                    for i in range { gx[i] += g[i] * derivative(x[i], y[i]) }
                }
            }
        }
    }
}
