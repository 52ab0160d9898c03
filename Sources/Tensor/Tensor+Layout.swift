import Foundation

/// Ops that move elements without arithmetic: reshape (a view), permute and transpose, concat,
/// slice and expand (copies). Each backward moves the gradient back the same way.
extension Tensor {
    /// The same elements with another shape (one extent may be -1: inferred). Shares storage.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        let resolved = try resolveShape(newShape)
        let view = Tensor(shape: resolved, storage: storage, requiresGrad: false)
        guard GradMode.isEnabled && requiresGrad else { return view }
        return Tensor.result("reshape", shape: resolved, storage: storage, inputs: [self]) {
            { g in
                let gx = self.gradAccumulator()
                ComputeThreads.parallelFor(self.count, grain: ComputeThreads.elementwiseGrain) { range in
                    for i in range { gx[i] += g[i] }
                }
            }
        }
    }

    private func resolveShape(_ newShape: [Int]) throws -> [Int] {
        let inferred = newShape.indices.filter { newShape[$0] == -1 }
        guard inferred.count <= 1, newShape.allSatisfy({ $0 >= -1 }) else {
            throw TensorError.shapes("reshape", shape, newShape, "at most one extent may be -1 and none below it")
        }
        var resolved = newShape
        if let axis = inferred.first {
            let known = newShape.filter { $0 != -1 }.reduce(1, *)
            guard known > 0, count % known == 0 else {
                throw TensorError.shapes("reshape", shape, newShape, "\(count) elements do not divide into this shape")
            }
            resolved[axis] = count / known
        }
        guard Shape.count(resolved) == count else {
            throw TensorError.shapes("reshape", shape, newShape, "\(count) elements do not fit \(Shape.count(resolved))")
        }
        return resolved
    }

    /// Axes reordered: output axis i is input axis `order[i]` (a copy).
    public func permuted(_ order: [Int]) throws -> Tensor {
        guard order.count == rank, Set(order) == Set(0..<rank) else {
            throw TensorError(op: "permute", "\(order) is not a permutation of the axes of \(shape)")
        }
        let outShape = order.map { shape[$0] }
        let out = TensorStorage(count: count)
        Tensor.permute(from: storage.base, shape: shape, order: order, into: out.base, accumulate: false)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, axis) in order.enumerated() { inverse[axis] = i }
        return Tensor.result("permute", shape: outShape, storage: out, inputs: [self]) {
            { g in Tensor.permute(from: g, shape: outShape, order: inverse, into: self.gradAccumulator(), accumulate: true) }
        }
    }

    /// Axes `a` and `b` swapped (a copy).
    public func transposed(_ a: Int, _ b: Int) throws -> Tensor {
        let a = try Shape.axis(a, rank: rank, op: "transpose"), b = try Shape.axis(b, rank: rank, op: "transpose")
        var order = Array(0..<rank)
        order.swapAt(a, b)
        return try permuted(order)
    }

    /// Writes (or adds) `source` permuted by `order` into `target`; rows of the last output axis
    /// are the inner loop, split over threads by the other axes.
    private static func permute(from source: UnsafePointer<Float>, shape: [Int], order: [Int],
                                into target: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let outShape = order.map { shape[$0] }
        let inStrides = Shape.strides(shape)
        let strides = order.map { inStrides[$0] }
        let rowLength = outShape.last ?? 1, rowStride = strides.last ?? 1
        let rows = Shape.count(outShape) / Swift.max(rowLength, 1)
        let outer = Array(outShape.dropLast()), outerStrides = Array(strides.dropLast())
        ComputeThreads.parallelFor(rows, grain: ComputeThreads.grain(itemSize: rowLength)) { range in
            for row in range {
                var rest = row, offset = 0
                for axis in stride(from: outer.count - 1, through: 0, by: -1) {
                    offset += (rest % outer[axis]) * outerStrides[axis]
                    rest /= outer[axis]
                }
                let (x, y) = (source + offset, target + row * rowLength)
                if accumulate {
                    for j in 0..<rowLength { y[j] += x[j * rowStride] }
                } else {
                    for j in 0..<rowLength { y[j] = x[j * rowStride] }
                }
            }
        }
    }

    /// `tensors` joined along `axis`; all other extents must agree.
    public static func concat(_ tensors: [Tensor], axis: Int) throws -> Tensor {
        guard let first = tensors.first else { throw TensorError(op: "concat", "needs at least one tensor") }
        let axis = try Shape.axis(axis, rank: first.rank, op: "concat")
        for t in tensors where t.rank != first.rank || (0..<first.rank).contains(where: { $0 != axis && t.shape[$0] != first.shape[$0] }) {
            throw TensorError.shapes("concat", first.shape, t.shape, "extents differ off axis \(axis)")
        }
        var outShape = first.shape
        outShape[axis] = tensors.reduce(0) { $0 + $1.shape[axis] }
        let (outer, total, inner) = Shape.around(outShape, axis: axis)
        let out = TensorStorage(count: Shape.count(outShape))
        var start = 0
        var starts: [Int] = []
        for t in tensors {
            starts.append(start)
            let block = t.shape[axis] * inner
            for o in 0..<outer {
                (out.base + o * total * inner + start * inner).update(from: t.storage.base + o * block, count: block)
            }
            start += t.shape[axis]
        }
        return result("concat", shape: outShape, storage: out, inputs: tensors) {
            { g in
                for (t, start) in zip(tensors, starts) where t.requiresGrad {
                    let gt = t.gradAccumulator(), block = t.shape[axis] * inner
                    for o in 0..<outer {
                        let source = g + o * total * inner + start * inner, target = gt + o * block
                        for j in 0..<block { target[j] += source[j] }
                    }
                }
            }
        }
    }

    /// Indices `range` of `axis` (a copy).
    public func slice(axis: Int, _ range: Range<Int>) throws -> Tensor {
        let axis = try Shape.axis(axis, rank: rank, op: "slice")
        guard range.lowerBound >= 0, range.upperBound <= shape[axis] else {
            throw TensorError(op: "slice", "range \(range) is outside axis \(axis) of \(shape)")
        }
        var outShape = shape
        outShape[axis] = range.count
        let (outer, size, inner) = Shape.around(shape, axis: axis)
        let block = range.count * inner
        let out = TensorStorage(count: outer * block)
        for o in 0..<outer {
            (out.base + o * block).update(from: storage.base + (o * size + range.lowerBound) * inner, count: block)
        }
        return Tensor.result("slice", shape: outShape, storage: out, inputs: [self]) {
            { g in
                let gx = self.gradAccumulator()
                for o in 0..<outer {
                    let target = gx + (o * size + range.lowerBound) * inner, source = g + o * block
                    for j in 0..<block { target[j] += source[j] }
                }
            }
        }
    }

    /// Broadcast to `target` (extent-1 axes repeated, missing leading axes added), as a copy.
    public func expanded(to target: [Int]) throws -> Tensor {
        let plan = try BroadcastPlan(op: "expand", shape, target)
        guard plan.outputShape == target else {
            throw TensorError.shapes("expand", shape, target, "the tensor does not broadcast to the target shape")
        }
        let out = TensorStorage(count: Shape.count(target))
        let (x, y, n) = (storage.base, out.base, plan.rowLength)
        ComputeThreads.parallelFor(plan.rowCount, grain: plan.rowGrain) { rows in
            plan.forEachRow(in: rows) { o, ia, _ in
                if plan.aRowStride == 1 {
                    (y + o).update(from: x + ia, count: n)
                } else {
                    (y + o).update(repeating: x[ia], count: n)
                }
            }
        }
        return Tensor.result("expand", shape: target, storage: out, inputs: [self]) {
            { g in
                let gx = self.gradAccumulator()
                plan.forEachRow(in: 0..<plan.rowCount) { o, ia, _ in
                    if plan.aRowStride == 1 {
                        for j in 0..<n { gx[ia + j] += g[o + j] }
                    } else {
                        var sum: Float = 0
                        for j in 0..<n { sum += g[o + j] }
                        gx[ia] += sum
                    }
                }
            }
        }
    }
}
