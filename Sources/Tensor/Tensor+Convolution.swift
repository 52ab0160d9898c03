/// 2-d convolution (cross-correlation, as PyTorch's conv2d) as im2col + one sgemm per batch.
///
/// Shapes: x (N, C, H, W), weight (O, C, kh, kw) OIHW, bias (O) → (N, O, Ho, Wo) with
/// Ho = (H + 2·padH − kh) / strideH + 1. Forward: col (C·kh·kw, N·P) = im2col(x);
/// Y (O, N·P) = W · col; out[n, o, p] = Y[o, n·P + p] + b[o]. Backward: dY from the output
/// gradient, dW += dY · colᵀ, db += Σ dY, dx += col2im(Wᵀ · dY).
extension Tensor {
    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil,
                              stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0)) throws -> Tensor {
        guard x.rank == 4, weight.rank == 4, x.shape[1] == weight.shape[1] else {
            throw TensorError.shapes("conv2d", x.shape, weight.shape, "input must be (N, C, H, W) and weight (O, C, kh, kw) with the same C")
        }
        let geometry = ConvGeometry(batch: x.shape[0], channels: x.shape[1], height: x.shape[2], width: x.shape[3],
                                    kernelH: weight.shape[2], kernelW: weight.shape[3],
                                    strideH: stride.0, strideW: stride.1, padH: padding.0, padW: padding.1)
        guard stride.0 > 0, stride.1 > 0, padding.0 >= 0, padding.1 >= 0,
              geometry.outHeight > 0, geometry.outWidth > 0 else {
            throw TensorError.shapes("conv2d", x.shape, weight.shape, "stride \(stride) and padding \(padding) leave no output")
        }
        let outChannels = weight.shape[0]
        if let bias, bias.shape != [outChannels] {
            throw TensorError.shapes("conv2d", weight.shape, bias.shape, "bias must have shape [\(outChannels)]")
        }
        let (p, np, patch) = (geometry.positions, geometry.batch * geometry.positions, geometry.patchSize)
        let col = TensorStorage(count: patch * np)
        im2col(x.storage.base, geometry, into: col.base)
        let product = TensorStorage(count: outChannels * np)
        gemm(transA: false, transB: false, m: outChannels, n: np, k: patch,
             a: weight.storage.base, lda: patch, b: col.base, ldb: np, beta: 0, c: product.base, ldc: np)
        let out = TensorStorage(count: geometry.batch * outChannels * p)
        let (y, z, b) = (product.base, out.base, bias?.storage.base)
        ComputeThreads.parallelFor(geometry.batch * outChannels, grain: Swift.max(1, ComputeThreads.elementwiseGrain / p)) { range in
            for no in range {
                let (n, o) = (no / outChannels, no % outChannels)
                let (source, target) = (y + o * np + n * p, z + no * p)
                let shift = b?[o] ?? 0
                for j in 0..<p { target[j] = source[j] + shift }
            }
        }
        let outShape = [geometry.batch, outChannels, geometry.outHeight, geometry.outWidth]
        return result("conv2d", shape: outShape, storage: out, inputs: [x, weight] + (bias.map { [$0] } ?? [])) {
            { g in
                // dY (O, N·P) from the output gradient (N, O, P).
                let dyStorage = TensorStorage(count: outChannels * np)
                let dy = dyStorage.base
                ComputeThreads.parallelFor(geometry.batch * outChannels, grain: Swift.max(1, ComputeThreads.elementwiseGrain / p)) { range in
                    for no in range {
                        let (n, o) = (no / outChannels, no % outChannels)
                        (dy + o * np + n * p).update(from: g + no * p, count: p)
                    }
                }
                if let bias, bias.requiresGrad {
                    let gb = bias.gradAccumulator()
                    for o in 0..<outChannels {
                        var total: Float = 0
                        let row = dy + o * np
                        for j in 0..<np { total += row[j] }
                        gb[o] += total
                    }
                }
                if weight.requiresGrad {
                    gemm(transA: false, transB: true, m: outChannels, n: patch, k: np,
                         a: dy, lda: np, b: col.base, ldb: np, beta: 1, c: weight.gradAccumulator(), ldc: patch)
                }
                if x.requiresGrad {
                    // The column matrix is no longer needed: its buffer takes Wᵀ · dY.
                    gemm(transA: true, transB: false, m: patch, n: np, k: outChannels,
                         a: weight.storage.base, lda: patch, b: dy, ldb: np, beta: 0, c: col.base, ldc: np)
                    col2im(col.base, geometry, addingInto: x.gradAccumulator())
                }
            }
        }
    }
}
