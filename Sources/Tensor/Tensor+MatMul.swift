import CBLAS

/// Matrix products on OpenBLAS's sgemm: plain and batched matmul, and the linear layer's
/// x · Wᵀ + b. Transposes are sgemm flags, never copies.
extension Tensor {
    /// a (…, M, K) · b (…, K, N) → (…, M, N); with `transposeB`, b is (…, N, K) and bᵀ is used.
    /// b's leading axes equal a's, or b is a matrix shared by every batch of a.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeB: Bool = false) throws -> Tensor {
        guard a.rank >= 2, b.rank >= 2 else {
            throw TensorError.shapes("matmul", a.shape, b.shape, "both operands need at least 2 axes")
        }
        let (m, k) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (kb, n) = transposeB ? (b.shape[b.rank - 1], b.shape[b.rank - 2]) : (b.shape[b.rank - 2], b.shape[b.rank - 1])
        guard k == kb else {
            throw TensorError.shapes("matmul", a.shape, b.shape, "inner dimensions \(k) and \(kb) differ\(transposeB ? " (b transposed)" : "")")
        }
        let batchShape = Array(a.shape.dropLast(2))
        let shared = b.rank == 2
        guard shared || Array(b.shape.dropLast(2)) == batchShape else {
            throw TensorError.shapes("matmul", a.shape, b.shape, "batch axes differ")
        }
        // A matrix shared by every batch is one sgemm over the stacked rows of a.
        let (batches, rows) = shared ? (1, Shape.count(batchShape) * m) : (Shape.count(batchShape), m)
        let out = TensorStorage(count: Shape.count(batchShape) * m * n)
        let (pa, pb, pc) = (a.storage.base, b.storage.base, out.base)
        let (aStride, bStride, cStride) = (rows * k, shared ? 0 : k * n, rows * n)
        batchedGemm(batches, transA: false, transB: transposeB, m: rows, n: n, k: k,
                    a: pa, aStride: aStride, lda: k, b: pb, bStride: bStride, ldb: transposeB ? k : n,
                    beta: 0, c: pc, cStride: cStride, ldc: n)
        return result("matmul", shape: batchShape + [m, n], storage: out, inputs: [a, b]) {
            { g in
                if a.requiresGrad {
                    // dA (rows, K) += dC (rows, N) · B(K, N)ᵀ, or · B(N, K) when b was transposed.
                    let (da, accumulate) = a.gradDestination()
                    batchedGemm(batches, transA: false, transB: !transposeB, m: rows, n: k, k: n,
                                a: g, aStride: cStride, lda: n, b: pb, bStride: bStride, ldb: transposeB ? k : n,
                                beta: accumulate ? 1 : 0, c: da, cStride: aStride, ldc: k)
                }
                if b.requiresGrad {
                    let (db, accumulate) = b.gradDestination()
                    if transposeB {
                        // dB (N, K) += dCᵀ (N, rows) · A (rows, K)
                        batchedGemm(batches, transA: true, transB: false, m: n, n: k, k: rows,
                                    a: g, aStride: cStride, lda: n, b: pa, bStride: aStride, ldb: k,
                                    beta: accumulate ? 1 : 0, c: db, cStride: bStride, ldc: k)
                    } else {
                        // dB (K, N) += Aᵀ (K, rows) · dC (rows, N)
                        batchedGemm(batches, transA: true, transB: false, m: k, n: n, k: rows,
                                    a: pa, aStride: aStride, lda: k, b: g, bStride: cStride, ldb: n,
                                    beta: accumulate ? 1 : 0, c: db, cStride: bStride, ldc: n)
                    }
                }
            }
        }
    }

    /// x (…, in) · weightᵀ + bias → (…, out), with weight (out, in) and bias (out) as in PyTorch.
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor {
        guard weight.rank == 2, let inFeatures = x.shape.last, inFeatures == weight.shape[1] else {
            throw TensorError.shapes("linear", x.shape, weight.shape, "input features must equal weight's second extent")
        }
        let outFeatures = weight.shape[0]
        if let bias, bias.shape != [outFeatures] {
            throw TensorError.shapes("linear", weight.shape, bias.shape, "bias must have shape [\(outFeatures)]")
        }
        let rows = x.count / Swift.max(inFeatures, 1)
        let out = TensorStorage(count: rows * outFeatures)
        let (px, pw, py) = (x.storage.base, weight.storage.base, out.base)
        if let bias {
            let rowGrain = ComputeThreads.grain(itemSize: outFeatures)
            ComputeThreads.parallelFor(rows, grain: rowGrain) { range in
                for r in range { (py + r * outFeatures).update(from: bias.storage.base, count: outFeatures) }
            }
        }
        gemm(transA: false, transB: true, m: rows, n: outFeatures, k: inFeatures,
             a: px, lda: inFeatures, b: pw, ldb: inFeatures, beta: bias == nil ? 0 : 1, c: py, ldc: outFeatures)
        let outShape = Array(x.shape.dropLast()) + [outFeatures]
        return result("linear", shape: outShape, storage: out, inputs: [x, weight] + (bias.map { [$0] } ?? [])) {
            { g in
                if x.requiresGrad {  // dX (rows, in) += dY (rows, out) · W (out, in)
                    let (dx, accumulate) = x.gradDestination()
                    gemm(transA: false, transB: false, m: rows, n: inFeatures, k: outFeatures,
                         a: g, lda: outFeatures, b: pw, ldb: inFeatures, beta: accumulate ? 1 : 0, c: dx, ldc: inFeatures)
                }
                if weight.requiresGrad {  // dW (out, in) += dYᵀ (out, rows) · X (rows, in)
                    let (dw, accumulate) = weight.gradDestination()
                    gemm(transA: true, transB: false, m: outFeatures, n: inFeatures, k: rows,
                         a: g, lda: outFeatures, b: px, ldb: inFeatures, beta: accumulate ? 1 : 0, c: dw, ldc: inFeatures)
                }
                if let bias, bias.requiresGrad {  // dB (out) += Σ over rows of dY, the threads taking columns
                    let gb = bias.gradAccumulator(), columnGrain = ComputeThreads.grain(itemSize: rows)
                    ComputeThreads.parallelFor(outFeatures, grain: columnGrain) { columns in
                        for r in 0..<rows {
                            let row = g + r * outFeatures
                            for j in columns { gb[j] += row[j] }
                        }
                    }
                }
            }
        }
    }
}

/// C (m, n) = alpha·A·B + beta·C on row-major matrices, A and B optionally transposed (sgemm).
/// A large product is split along its larger output side into one block per loop thread, each a
/// single-threaded sgemm over the whole k (the result can differ from one piece's in the last bits,
/// as OpenBLAS's kernels treat the blocks' edges differently; it is the same for a thread count).
func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
          a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
          beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    guard m > 0, n > 0 else { return }
    let byColumns = n >= m, length = Swift.max(m, n)
    guard ComputeThreads.splitsGemm(multiplyAdds: m * n * k, length: length) else {
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        return
    }
    ComputeThreads.withSerialGemm {
        ComputeThreads.parallelFor(length, grain: length / ComputeThreads.current) { block in
            let first = block.lowerBound
            if byColumns {  // columns of B and C
                sgemm(transA: transA, transB: transB, m: m, n: block.count, k: k, alpha: alpha, a: a, lda: lda,
                      b: transB ? b + first * ldb : b + first, ldb: ldb, beta: beta, c: c + first, ldc: ldc)
            } else {  // rows of A and C
                sgemm(transA: transA, transB: transB, m: block.count, n: n, k: k, alpha: alpha, a: transA ? a + first : a + first * lda,
                      lda: lda, b: b, ldb: ldb, beta: beta, c: c + first * ldc, ldc: ldc)
            }
        }
    }
}

/// OpenBLAS's sgemm on row-major matrices. For beta 0 it clears C itself and asks for beta 1:
/// OpenBLAS's own clearing pass (`sgemm_beta`, 3.7 % of baseline_cnn standard's training step)
/// made products with a short k 8–20 % slower than a memset before them (one thread, CPU time:
/// Winograd's (64, 64)·(64, 208), attention's scores (110, 64)·(64, 110)); the convolutions of
/// `spectrofold-bench ops` ran up to 11 % faster forward and backward (standard layer1 8 %).
@inline(__always)
private func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                   b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    if beta == 0 {
        if ldc == n {
            c.update(repeating: 0, count: m * n)
        } else {
            for row in 0..<m { (c + row * ldc).update(repeating: 0, count: n) }
        }
    }
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta == 0 ? 1 : beta, c, Int32(ldc))
}

/// `batches` independent gemms whose operands sit `aStride`, `bStride`, `cStride` elements apart
/// (a stride of 0 reuses one matrix; then C must not be shared, or batches must be 1). Small
/// products run side by side on the loop threads, each in one piece; large ones one after
/// another, each split over the loop threads (see `gemm`).
func batchedGemm(_ batches: Int, transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                 a: UnsafePointer<Float>, aStride: Int, lda: Int, b: UnsafePointer<Float>, bStride: Int, ldb: Int,
                 beta: Float, c: UnsafeMutablePointer<Float>, cStride: Int, ldc: Int) {
    let run = { (range: Range<Int>) in
        for i in range {
            gemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a + i * aStride, lda: lda,
                 b: b + i * bStride, ldb: ldb, beta: beta, c: c + i * cStride, ldc: ldc)
        }
    }
    guard batches > 1, ComputeThreads.current > 1, cStride > 0, m * n * k < 1 << 21 else {
        run(0..<batches)
        return
    }
    ComputeThreads.withSerialGemm { ComputeThreads.parallelFor(batches, grain: 1, run) }
}
