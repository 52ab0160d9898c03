/// Sum, mean and max over axes. Each reduces one axis at a time, viewing the input as
/// (outer, size, inner) and writing (outer, inner); `keepDims` keeps the axis with extent 1.
extension Tensor {
    /// The sum of all elements, as a rank-0 tensor.
    public func sum() -> Tensor {
        // Reshaping to a vector cannot fail and axis 0 exists.
        try! reshaped([count]).sum(axes: [0])
    }

    /// The mean of all elements, as a rank-0 tensor.
    public func mean() -> Tensor { sum() * (1 / Float(Swift.max(count, 1))) }

    /// Sums over `axes` (negative axes count from the end).
    public func sum(axes: [Int], keepDims: Bool = false) throws -> Tensor {
        var result = self
        for axis in try sortedAxes(axes, op: "sum") {
            result = result.sumAxis(axis, keepDims: keepDims)
        }
        return result
    }

    /// Means over `axes`.
    public func mean(axes: [Int], keepDims: Bool = false) throws -> Tensor {
        let resolved = try sortedAxes(axes, op: "mean")
        let size = resolved.reduce(1) { $0 * shape[$1] }
        return try sum(axes: axes, keepDims: keepDims) * (1 / Float(Swift.max(size, 1)))
    }

    /// The maximum along `axis`; the gradient goes to the first maximal element.
    public func max(axis: Int, keepDims: Bool = false) throws -> Tensor {
        let axis = try Shape.axis(axis, rank: rank, op: "max")
        guard shape[axis] > 0 else { throw TensorError(op: "max", "axis \(axis) of \(shape) is empty") }
        let (outer, size, inner) = Shape.around(shape, axis: axis)
        let out = TensorStorage(count: outer * inner)
        var argmax = [Int32](repeating: 0, count: outer * inner)
        let (x, y) = (storage.base, out.base)
        argmax.withUnsafeMutableBufferPointer { indices in
            let indices = indices.baseAddress!
            ComputeThreads.parallelFor(outer, grain: ComputeThreads.grain(itemSize: size * inner)) { range in
                // Row by row along the axis, each compared with the running maxima of all `inner`
                // positions (contiguous), with selects: which row wins is unpredictable.
                for o in range {
                    let first = x + o * size * inner, best = y + o * inner, at = indices + o * inner
                    best.update(from: first, count: inner)
                    at.update(repeating: 0, count: inner)
                    for s in 1..<size {
                        let row = first + s * inner, index = Int32(s)
                        for i in 0..<inner {
                            let value = row[i], wins = value > best[i]
                            best[i] = wins ? value : best[i]
                            at[i] = wins ? index : at[i]
                        }
                    }
                }
            }
        }
        return Tensor.result("max", shape: reducedShape(axis, keepDims), storage: out, inputs: [self]) {
            { g in
                let gx = self.gradAccumulator()
                for o in 0..<outer {
                    for i in 0..<inner {
                        gx[(o * size + Int(argmax[o * inner + i])) * inner + i] += g[o * inner + i]
                    }
                }
            }
        }
    }

    /// Axes resolved and sorted from last to first, so reducing one keeps the others' indices.
    private func sortedAxes(_ axes: [Int], op: String) throws -> [Int] {
        let resolved = try axes.map { try Shape.axis($0, rank: rank, op: op) }
        guard Set(resolved).count == resolved.count else {
            throw TensorError(op: op, "axes \(axes) repeat an axis of \(shape)")
        }
        return resolved.sorted(by: >)
    }

    private func reducedShape(_ axis: Int, _ keepDims: Bool) -> [Int] {
        var reduced = shape
        if keepDims { reduced[axis] = 1 } else { reduced.remove(at: axis) }
        return reduced
    }

    private func sumAxis(_ axis: Int, keepDims: Bool) -> Tensor {
        let (outer, size, inner) = Shape.around(shape, axis: axis)
        let out = TensorStorage(count: outer * inner, repeating: 0)
        let (x, y) = (storage.base, out.base)
        let grain = ComputeThreads.grain(itemSize: size * inner)
        ComputeThreads.parallelFor(outer, grain: grain) { range in
            for o in range {
                if inner == 1 {
                    y[o] = VectorSums.sum(x + o * size, size)
                } else {
                    let row = y + o * inner
                    for s in 0..<size {
                        let source = x + (o * size + s) * inner
                        for i in 0..<inner { row[i] += source[i] }
                    }
                }
            }
        }
        return Tensor.result("sum", shape: reducedShape(axis, keepDims), storage: out, inputs: [self]) {
            { g in
                let gx = self.gradAccumulator()
                ComputeThreads.parallelFor(outer, grain: grain) { range in
                    for o in range {
                        for s in 0..<size {
                            let target = gx + (o * size + s) * inner
                            for i in 0..<inner { target[i] += g[o * inner + i] }
                        }
                    }
                }
            }
        }
    }
}
