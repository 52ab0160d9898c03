import Foundation
import Random
import VectorKernels

/// Softmax, log-softmax and the cross-entropy loss over integer labels. All work on
/// (outer, size, inner) views of the chosen axis and subtract the maximum for stability.
extension Tensor {
    /// e^x / Σ e^x along `axis`. Backward: gx = y · (g − Σ g·y).
    public func softmax(axis: Int = -1) throws -> Tensor {
        let axis = try Shape.axis(axis, rank: rank, op: "softmax")
        let (outer, size, inner) = Shape.around(shape, axis: axis)
        let out = TensorStorage(count: count)
        let (x, y) = (storage.base, out.base)
        if inner == 1 {  // the last axis: contiguous rows, one kernel call per chunk of them
            ComputeThreads.parallelFor(outer, grain: Self.laneGrain(size)) { rows in
                vk_softmax_rows(x + rows.lowerBound * size, y + rows.lowerBound * size, Int64(rows.count), Int64(size))
            }
        } else {
            forEachLane(outer, size, inner) { base, stride in
                var peak = -Float.infinity
                for s in 0..<size { peak = Swift.max(peak, x[base + s * stride]) }
                for s in 0..<size { y[base + s * stride] = vk_exp(x[base + s * stride] - peak) }
                var total: Float = 0
                for s in 0..<size { total += y[base + s * stride] }
                let scale = 1 / total
                for s in 0..<size { y[base + s * stride] *= scale }
            }
        }
        return Tensor.result("softmax", shape: shape, storage: out, inputs: [self]) {
            { g in
                let gx = self.gradAccumulator()
                self.forEachLane(outer, size, inner) { base, stride in
                    if stride == 1 {
                        let (gRow, yRow, target) = (g + base, y + base, gx + base)
                        let dot = VectorSums.dot(gRow, yRow, size)
                        for s in 0..<size { target[s] += yRow[s] * (gRow[s] - dot) }
                        return
                    }
                    var dot: Float = 0
                    for s in 0..<size { dot += g[base + s * stride] * y[base + s * stride] }
                    for s in 0..<size {
                        let i = base + s * stride
                        gx[i] += y[i] * (g[i] - dot)
                    }
                }
            }
        }
    }

    /// x − log Σ e^x along `axis`. Backward: gx = g − softmax · Σ g.
    public func logSoftmax(axis: Int = -1) throws -> Tensor {
        let axis = try Shape.axis(axis, rank: rank, op: "log_softmax")
        let (outer, size, inner) = Shape.around(shape, axis: axis)
        let out = TensorStorage(count: count)
        let (x, y) = (storage.base, out.base)
        forEachLane(outer, size, inner) { base, stride in
            var peak = -Float.infinity
            for s in 0..<size { peak = Swift.max(peak, x[base + s * stride]) }
            var total: Float = 0
            for s in 0..<size { total += vk_exp(x[base + s * stride] - peak) }
            let shift = peak + logf(total)
            for s in 0..<size { y[base + s * stride] = x[base + s * stride] - shift }
        }
        return Tensor.result("log_softmax", shape: shape, storage: out, inputs: [self]) {
            { g in
                let gx = self.gradAccumulator()
                self.forEachLane(outer, size, inner) { base, stride in
                    var total: Float = 0
                    for s in 0..<size { total += g[base + s * stride] }
                    for s in 0..<size {
                        let i = base + s * stride
                        gx[i] += g[i] - vk_exp(y[i]) * total
                    }
                }
            }
        }
    }

    /// Lanes of `size` elements per parallel chunk.
    private static func laneGrain(_ size: Int) -> Int { Swift.max(1, ComputeThreads.elementwiseGrain / Swift.max(size, 1) / 4) }

    /// Calls `body(firstIndex, stride)` for each of the outer × inner lanes along the axis.
    private func forEachLane(_ outer: Int, _ size: Int, _ inner: Int, _ body: (Int, Int) -> Void) {
        let lanes = outer * inner
        ComputeThreads.parallelFor(lanes, grain: Self.laneGrain(size)) { range in
            for lane in range { body((lane / inner) * size * inner + lane % inner, inner) }
        }
    }

    /// Mean cross-entropy of `logits` (B, C) against integer `labels` (B) in 0..<C, with optional
    /// label smoothing ε as in PyTorch: the target is (1 − ε)·one-hot + ε/C.
    /// Backward: g/B · (softmax − target).
    public static func crossEntropy(_ logits: Tensor, labels: [Int], labelSmoothing: Float = 0) throws -> Tensor {
        guard logits.rank == 2, logits.shape[0] == labels.count else {
            throw TensorError.shapes("cross_entropy", logits.shape, [labels.count], "logits must be (B, C) with one label per row")
        }
        let (batch, classes) = (logits.shape[0], logits.shape[1])
        if let bad = labels.first(where: { $0 < 0 || $0 >= classes }) {
            throw TensorError(op: "cross_entropy", "label \(bad) is outside 0..<\(classes)")
        }
        guard (0..<1).contains(labelSmoothing) else {
            throw TensorError(op: "cross_entropy", "label smoothing \(labelSmoothing) is outside [0, 1)")
        }
        let logProbabilities = TensorStorage(count: logits.count)
        let (x, lp) = (logits.storage.base, logProbabilities.base)
        var total: Double = 0
        for row in 0..<batch {
            let (xr, lr) = (x + row * classes, lp + row * classes)
            var peak = -Float.infinity
            for c in 0..<classes { peak = Swift.max(peak, xr[c]) }
            var sum: Float = 0
            for c in 0..<classes { sum += vk_exp(xr[c] - peak) }
            let shift = peak + logf(sum)
            var smoothed: Float = 0
            for c in 0..<classes {
                lr[c] = xr[c] - shift
                smoothed += lr[c]
            }
            total -= Double((1 - labelSmoothing) * lr[labels[row]] + labelSmoothing / Float(classes) * smoothed)
        }
        let loss = TensorStorage(count: 1, repeating: Float(total / Double(Swift.max(batch, 1))))
        return result("cross_entropy", shape: [], storage: loss, inputs: [logits]) {
            { g in
                let (gx, lp) = (logits.gradAccumulator(), logProbabilities.base)
                let scale = g[0] / Float(Swift.max(batch, 1))
                let uniform = labelSmoothing / Float(classes)
                for row in 0..<batch {
                    let (gr, lr) = (gx + row * classes, lp + row * classes)
                    for c in 0..<classes {
                        let target = (c == labels[row] ? 1 - labelSmoothing : 0) + uniform
                        gr[c] += scale * (vk_exp(lr[c]) - target)
                    }
                }
            }
        }
    }

    /// Inverted dropout: zeroes each element with probability `p` and scales the rest by
    /// 1/(1 − p). Call it in training only; `p` = 0 returns the input unchanged.
    public func dropout(_ p: Float, generator: inout RandomGenerator) throws -> Tensor {
        guard (0..<1).contains(p) else { throw TensorError(op: "dropout", "probability \(p) is outside [0, 1)") }
        if p == 0 { return self }
        let mask = TensorStorage(count: count)
        let keep = 1 / (1 - p)
        for i in 0..<count { mask.base[i] = generator.nextUniform() < p ? 0 : keep }
        let out = TensorStorage(count: count)
        let (x, m, y) = (storage.base, mask.base, out.base)
        ComputeThreads.parallelFor(count, grain: ComputeThreads.elementwiseGrain) { range in
            for i in range { y[i] = x[i] * m[i] }
        }
        return Tensor.result("dropout", shape: shape, storage: out, inputs: [self]) {
            { g in
                let (gx, m) = (self.gradAccumulator(), mask.base)
                ComputeThreads.parallelFor(self.count, grain: ComputeThreads.elementwiseGrain) { range in
                    for i in range { gx[i] += g[i] * m[i] }
                }
            }
        }
    }
}
