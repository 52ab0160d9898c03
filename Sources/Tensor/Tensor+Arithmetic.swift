/// Elementwise add, subtract, multiply and divide (a · 1/b) with broadcasting, and the same with a scalar.
///
/// Forward: out[i] = a[i'] ∘ b[i''] over the broadcast shape. Backward: each operand's share of
/// the output gradient, summed over the axes along which it was broadcast.
extension Tensor {
    public static func + (a: Tensor, b: Tensor) throws -> Tensor { try binary(.add, a, b) }
    public static func - (a: Tensor, b: Tensor) throws -> Tensor { try binary(.subtract, a, b) }
    public static func * (a: Tensor, b: Tensor) throws -> Tensor { try binary(.multiply, a, b) }
    public static func / (a: Tensor, b: Tensor) throws -> Tensor { try a * b.reciprocal() }

    public static func + (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1, shift: s, op: "add_scalar") }
    public static func + (s: Float, a: Tensor) -> Tensor { a + s }
    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }
    public static func - (s: Float, a: Tensor) -> Tensor { a.affine(scale: -1, shift: s, op: "rsub_scalar") }
    public static func * (a: Tensor, s: Float) -> Tensor { a.affine(scale: s, shift: 0, op: "mul_scalar") }
    public static func * (s: Float, a: Tensor) -> Tensor { a * s }
    public static func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }
    public static prefix func - (a: Tensor) -> Tensor { a * -1 }

    enum BinaryOp: String {
        case add, subtract, multiply
    }

    private static func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let plan = try BroadcastPlan(op: op.rawValue, a.shape, b.shape)
        let out = TensorStorage(count: Shape.count(plan.outputShape))
        let (pa, pb, po) = (a.storage.base, b.storage.base, out.base)
        func combine(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ z: UnsafeMutablePointer<Float>, _ n: Int) {
            switch op {
            case .add: combineRow(plan, x, y, z, n, +)
            case .subtract: combineRow(plan, x, y, z, n, -)
            case .multiply: combineRow(plan, x, y, z, n, *)
            }
        }
        if plan.rowCount == 1 {  // one long row (equal shapes, or a tensor and one element): split it
            ComputeThreads.parallelFor(plan.rowLength, grain: ComputeThreads.elementwiseGrain) { r in
                let first = r.lowerBound
                combine(pa + first * plan.aRowStride, pb + first * plan.bRowStride, po + first, r.count)
            }
        } else {
            ComputeThreads.parallelFor(plan.rowCount, grain: plan.rowGrain) { rows in
                plan.forEachRow(in: rows) { o, ia, ib in combine(pa + ia, pb + ib, po + o, plan.rowLength) }
            }
        }
        return result(op.rawValue, shape: plan.outputShape, storage: out, inputs: [a, b]) {
            { g in
                if a.requiresGrad {
                    accumulate(
                        plan, g, into: a.gradDestination(whole: a.shape == plan.outputShape), targetIsA: true, other: pb,
                        multiply: op == .multiply, sign: 1)
                }
                if b.requiresGrad {
                    accumulate(
                        plan, g, into: b.gradDestination(whole: b.shape == plan.outputShape), targetIsA: false, other: pa,
                        multiply: op == .multiply, sign: op == .subtract ? -1 : 1)
                }
            }
        }
    }

    /// z[j] = f(x[j·sx], y[j·sy]) for j < n along one row (or a piece of it).
    @inline(__always)
    private static func combineRow(
        _ plan: BroadcastPlan, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
        _ z: UnsafeMutablePointer<Float>, _ n: Int, _ f: (Float, Float) -> Float
    ) {
        switch (plan.aRowStride, plan.bRowStride) {
        case (1, 1): for j in 0..<n { z[j] = f(x[j], y[j]) }
        case (1, _): let v = y[0]; for j in 0..<n { z[j] = f(x[j], v) }
        case (_, 1): let v = x[0]; for j in 0..<n { z[j] = f(v, y[j]) }
        default: let v = f(x[0], y[0]); for j in 0..<n { z[j] = v }
        }
    }

    /// One operand's gradient: target[…] += g[i]·other[…] (`multiply`) or sign·g[i] row by row,
    /// summed along a row where the target repeats (stride 0) with `VectorSums`; stored rather
    /// than added unless `target.accumulate`. Rows run in parallel only when no two write the same
    /// target; one long row the target steps through is split into pieces instead.
    private static func accumulate(
        _ plan: BroadcastPlan, _ g: UnsafePointer<Float>, into target: (base: UnsafeMutablePointer<Float>, accumulate: Bool),
        targetIsA: Bool, other: UnsafePointer<Float>, multiply: Bool, sign: Float
    ) {
        let targetStride = targetIsA ? plan.aRowStride : plan.bRowStride
        let otherStride = targetIsA ? plan.bRowStride : plan.aRowStride
        func piece(_ t: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, _ gr: UnsafePointer<Float>, _ n: Int) {
            switch (targetStride, multiply, otherStride) {
            case (0, false, _): write(t, 1, accumulate: target.accumulate) { _ in sign * VectorSums.sum(gr, n) }
            case (0, true, 1): write(t, 1, accumulate: target.accumulate) { _ in VectorSums.dot(gr, y, n) }
            case (0, true, _): write(t, 1, accumulate: target.accumulate) { _ in y[0] * VectorSums.sum(gr, n) }
            case (_, false, _): write(t, n, accumulate: target.accumulate) { sign * gr[$0] }
            case (_, true, 1): write(t, n, accumulate: target.accumulate) { gr[$0] * y[$0] }
            default:
                let v = y[0]
                write(t, n, accumulate: target.accumulate) { gr[$0] * v }
            }
        }
        func rows(_ rows: Range<Int>) {
            plan.forEachRow(in: rows) { o, ia, ib in
                piece(target.base + (targetIsA ? ia : ib), other + (targetIsA ? ib : ia), g + o, plan.rowLength)
            }
        }
        if plan.rowCount == 1 && targetStride == 1 {
            ComputeThreads.parallelFor(plan.rowLength, grain: ComputeThreads.elementwiseGrain) { r in
                let first = r.lowerBound
                piece(target.base + first, other + first * otherStride, g + first, r.count)
            }
        } else if targetIsA ? plan.aRowsDistinct : plan.bRowsDistinct {
            ComputeThreads.parallelFor(plan.rowCount, grain: plan.rowGrain, rows)
        } else {
            rows(0..<plan.rowCount)
        }
    }

    /// scale · x + shift, elementwise.
    private func affine(scale: Float, shift: Float, op: String) -> Tensor {
        let out = TensorStorage(count: count)
        let (x, y) = (storage.base, out.base)
        ComputeThreads.parallelFor(count, grain: ComputeThreads.elementwiseGrain) { range in
            for i in range { y[i] = scale * x[i] + shift }
        }
        return Tensor.result(op, shape: shape, storage: out, inputs: [self]) {
            { g in
                let gx = self.gradAccumulator()
                ComputeThreads.parallelFor(self.count, grain: ComputeThreads.elementwiseGrain) { range in
                    for i in range { gx[i] += scale * g[i] }
                }
            }
        }
    }
}
