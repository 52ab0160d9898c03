import Foundation
import VectorKernels

/// Batch normalisation over the channels of (N, C, …) and layer normalisation over the last axis.
extension Tensor {
    /// Batch norm, PyTorch's semantics. x (N, C, …); weight, bias, runningMean, runningVar (C).
    ///
    /// Training: normalises with the batch's mean and biased variance over N and the trailing
    /// axes (M elements per channel) and updates the running statistics in place:
    /// running = (1 − momentum)·running + momentum·batch, with the unbiased variance (· M/(M−1)).
    /// Eval: normalises with the running statistics. y = (x − μ)/√(σ² + eps) · weight + bias.
    /// With `relu`, y = max(0, that) in the same pass, and backward passes the gradient only where
    /// y > 0: batch norm followed by ReLU without the ReLU's own passes over memory.
    public static func batchNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, runningMean: Tensor, runningVar: Tensor,
                                 training: Bool, momentum: Float = 0.1, eps: Float = 1e-5, relu: Bool = false) throws -> Tensor {
        guard x.rank >= 2 else { throw TensorError(op: "batch_norm", "input must be (N, C, …), got \(x.shape)") }
        let channels = x.shape[1]
        for (name, t) in [("weight", weight), ("bias", bias), ("running_mean", runningMean), ("running_var", runningVar)] {
            if let t, t.shape != [channels] {
                throw TensorError.shapes("batch_norm", x.shape, t.shape, "\(name) must have shape [\(channels)]")
            }
        }
        let (batch, inner) = (x.shape[0], Shape.count(Array(x.shape.dropFirst(2))))
        let perChannel = batch * inner
        if training && perChannel < 2 {
            throw TensorError(op: "batch_norm", "training needs more than one value per channel, got input \(x.shape)")
        }
        let mean = TensorStorage(count: channels), invStd = TensorStorage(count: channels)
        let (px, rm, rv) = (x.storage.base, runningMean.storage.base, runningVar.storage.base)
        let (gamma, beta) = (weight?.storage.base, bias?.storage.base)
        let out = TensorStorage(count: x.count)
        let y = out.base
        ComputeThreads.parallelFor(channels, grain: ComputeThreads.grain(itemSize: perChannel)) { range in
            for c in range {
                let (first, stride) = (c * inner, channels * inner)
                if training {
                    var (mu, variance) = (0.0, 0.0)
                    vk_batch_norm_moments(px + first, Int64(batch), Int64(stride), Int64(inner), &mu, &variance)
                    mean.base[c] = Float(mu)
                    invStd.base[c] = Float(1 / (variance + Double(eps)).squareRoot())
                    rm[c] = (1 - momentum) * rm[c] + momentum * Float(mu)
                    rv[c] = (1 - momentum) * rv[c] + momentum * Float(variance * Double(perChannel) / Double(perChannel - 1))
                } else {
                    mean.base[c] = rm[c]
                    invStd.base[c] = 1 / (rv[c] + eps).squareRoot()
                }
                let scale = invStd.base[c] * (gamma?[c] ?? 1)
                let shift = (beta?[c] ?? 0) - mean.base[c] * scale
                vk_batch_norm_apply(px + first, y + first, Int64(batch), Int64(stride), Int64(inner), scale, shift, relu ? 1 : 0)
            }
        }
        let inputs = [x] + [weight, bias].compactMap { $0 }
        return result(relu ? "batch_norm_relu" : "batch_norm", shape: x.shape, storage: out, inputs: inputs) {
            { g in
                batchNormBackward(dOut: g, x: px, reluOutput: relu ? UnsafePointer(out.base) : nil,
                                  mean: mean.base, invStd: invStd.base, weight: gamma, training: training,
                                  batch: batch, channels: channels, inner: inner, dX: x.gradAccumulatorIfPresent,
                                  dWeight: weight?.requiresGrad == true ? weight!.gradAccumulator() : nil,
                                  dBias: bias?.requiresGrad == true ? bias!.gradAccumulator() : nil)
            }
        }
    }

    /// Batch norm's backward for x (N = `batch`, C = `channels`, `inner` values each): adds to dX
    /// (N, C, inner), dWeight and dBias (C), each when given, from dOut (N, C, inner), the forward's
    /// per-channel mean and 1/√(σ² + eps) (C) and the weight (C; nil: 1). With M = N · inner values
    /// per channel and x̂ = (x − μ)·s: dweight = Σ g·x̂, dbias = Σ g; training (batch statistics)
    /// dx = w·s/M · (M·g − Σg − x̂·Σ(g·x̂)); eval (running statistics, constants) dx = g·w·s.
    /// With `reluOutput` (the fused ReLU's output y), g counts as 0 where y ≤ 0.
    static func batchNormBackward(dOut gOut: UnsafePointer<Float>, x px: UnsafePointer<Float>, reluOutput: UnsafePointer<Float>?,
                                  mean: UnsafePointer<Float>,
                                  invStd: UnsafePointer<Float>, weight gamma: UnsafePointer<Float>?, training: Bool,
                                  batch: Int, channels: Int, inner: Int, dX gx: UnsafeMutablePointer<Float>?,
                                  dWeight gGamma: UnsafeMutablePointer<Float>?, dBias gBeta: UnsafeMutablePointer<Float>?) {
        let perChannel = batch * inner
        ComputeThreads.parallelFor(channels, grain: ComputeThreads.grain(itemSize: perChannel)) { range in
            for c in range {
                let (first, stride, mu, s) = (c * inner, channels * inner, mean[c], invStd[c])
                // Σ g and Σ g·x̂ = s·(Σ g·x − μ·Σ g) over the channel.
                var sumG: Float = 0, sumGX: Float = 0
                vk_batch_norm_gradient_sums(gOut + first, px + first, reluOutput.map { $0 + first }, Int64(batch), Int64(stride), Int64(inner),
                                            &sumG, &sumGX)
                let sumGXhat = s * (sumGX - mu * sumG)
                gGamma?[c] += sumGXhat
                gBeta?[c] += sumG
                guard let gx else { continue }
                let w = gamma?[c] ?? 1
                // Training: dx = w·s/M · (M·g − Σg − x̂·Σ(g·x̂)), with x̂ = (x − μ)·s; eval: dx = g·w·s.
                let k = w * s / Float(perChannel)
                let (a, b, shift) = training ? (k * Float(perChannel), -k * s * sumGXhat, -k * sumG) : (w * s, 0, 0)
                vk_batch_norm_input_gradient(gOut + first, px + first, reluOutput.map { $0 + first }, Int64(batch), Int64(stride), Int64(inner),
                                             a, b, training ? mu : 0, shift, gx + first)
            }
        }
    }

    /// Layer norm over the last axis (D): y = (x − mean)/√(var + eps) · weight + bias per row,
    /// with the biased variance; weight and bias (D). The rows run in `VectorKernels`.
    public static func layerNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) throws -> Tensor {
        guard let d = x.shape.last, d > 0 else { throw TensorError(op: "layer_norm", "input needs a last axis, got \(x.shape)") }
        for (name, t) in [("weight", weight), ("bias", bias)] {
            if let t, t.shape != [d] { throw TensorError.shapes("layer_norm", x.shape, t.shape, "\(name) must have shape [\(d)]") }
        }
        let rows = x.count / d
        let mean = TensorStorage(count: rows), invStd = TensorStorage(count: rows)
        let out = TensorStorage(count: x.count)
        // A missing weight is ones and a missing bias zeros, so the kernels have one form.
        let gamma = weight?.storage ?? TensorStorage(count: d, repeating: 1)
        let beta = bias?.storage ?? TensorStorage(count: d, repeating: 0)
        let (px, y) = (x.storage.base, out.base)
        let grain = Swift.max(1, ComputeThreads.elementwiseGrain / d)
        ComputeThreads.parallelFor(rows, grain: grain) { range in
            let first = range.lowerBound * d
            vk_layer_norm_rows(px + first, y + first, mean.base + range.lowerBound, invStd.base + range.lowerBound, gamma.base, beta.base,
                               Int64(range.count), Int64(d), eps)
        }
        let inputs = [x] + [weight, bias].compactMap { $0 }
        return result("layer_norm", shape: x.shape, storage: out, inputs: inputs) {
            { g in
                // Per-chunk partial sums of the weight and bias gradients, added in chunk order (the
                // same result on any thread count).
                let chunks = ComputeThreads.chunkCount(rows, grain: grain)
                let partials = TensorStorage(count: chunks * 2 * d, repeating: 0)
                let (gx, add) = x.requiresGrad ? x.gradDestination() : (nil, true)
                ComputeThreads.parallelChunks(rows, grain: grain) { chunk, range in
                    let (first, pGamma) = (range.lowerBound * d, partials.base + chunk * 2 * d)
                    vk_layer_norm_backward_rows(g + first, px + first, mean.base + range.lowerBound, invStd.base + range.lowerBound, gamma.base,
                                                Int64(range.count), Int64(d), gx.map { $0 + first }, add ? 1 : 0, pGamma, pGamma + d)
                }
                let gGamma = weight?.requiresGrad == true ? weight!.gradAccumulator() : nil
                let gBeta = bias?.requiresGrad == true ? bias!.gradAccumulator() : nil
                for chunk in 0..<chunks {
                    let base = partials.base + chunk * 2 * d
                    if let gGamma { for i in 0..<d { gGamma[i] += base[i] } }
                    if let gBeta { for i in 0..<d { gBeta[i] += base[d + i] } }
                }
            }
        }
    }
}
