import VectorKernels

/// The core of multi-head self-attention as one op, on the fused projection's layout.
extension Tensor {
    /// softmax(q·kᵀ/√dₕ)·v for every head, from timm's fused projection: `qkv` (B, N, 3·d) holds,
    /// per token, q | k | v, each with the `heads` heads of dₕ = d/heads features side by side.
    /// Returns (B, Q, d) with the heads side by side, what the output projection reads: the
    /// outputs of the first Q = `queries` tokens (all N unless given; every token's k and v still
    /// count), for a last block whose other tokens nothing reads.
    ///
    /// One op in place of a permute, three slices, two batched matmuls, a scale and a softmax:
    /// sgemm reads each head where it lies (leading dimension 3·d) and writes the output the same
    /// way, so nothing is copied. Per head, with P the softmax (Q, N) and dO the output's gradient:
    /// dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P)), dQ = dS·K/√dₕ, dK = dSᵀ·Q/√dₕ.
    public static func selfAttention(qkv: Tensor, heads: Int, queries: Int? = nil) throws -> Tensor {
        guard qkv.rank == 3, heads > 0, qkv.shape[2] > 0, qkv.shape[2] % (3 * heads) == 0 else {
            throw TensorError(op: "self_attention", "qkv must be (B, N, 3·d) with d a multiple of \(heads) heads, got \(qkv.shape)")
        }
        let (batch, n, d) = (qkv.shape[0], qkv.shape[1], qkv.shape[2] / 3)
        let m = queries ?? n
        guard (1...n).contains(m) else {
            throw TensorError(op: "self_attention", "queries must be 1...\(n) (the tokens), got \(m)")
        }
        let (width, pairs, rowStride) = (d / heads, qkv.shape[0] * heads, 3 * d)
        let scale = 1 / Float(width).squareRoot()
        // Where (batch, head) pair i's q rows start in qkv (k at +d, v at +2d), and its output rows.
        let qOffset = { (i: Int) in (i / heads) * n * rowStride + (i % heads) * width }
        let outOffset = { (i: Int) in (i / heads) * m * d + (i % heads) * width }
        // P (Q, N) per pair, kept for the backward; with nothing recorded, one P per chunk of
        // pairs, reused from pair to pair while it is in cache.
        let recording = records([qkv])
        let probabilities = TensorStorage(count: (recording ? pairs : ComputeThreads.chunkCount(pairs, grain: 1)) * m * n)
        let out = TensorStorage(count: batch * m * d)
        let (x, p, y) = (qkv.storage.base, probabilities.base, out.base)
        forEachHead(pairs) { chunk, i in
            let (q, weights) = (x + qOffset(i), p + (recording ? i : chunk) * m * n)
            gemm(
                transA: false, transB: true, m: m, n: n, k: width, alpha: scale, a: q, lda: rowStride, b: q + d, ldb: rowStride,
                beta: 0, c: weights, ldc: n)
            vk_softmax_rows(weights, weights, Int64(m), Int64(n))
            gemm(
                transA: false, transB: false, m: m, n: width, k: n, a: weights, lda: n, b: q + 2 * d, ldb: rowStride,
                beta: 0, c: y + outOffset(i), ldc: d)
        }
        return result("self_attention", shape: [batch, m, d], storage: out, inputs: [qkv]) {
            { g in
                // dq | dk | dv per token, laid out as qkv; each pair writes its own columns of all
                // of it, unless some tokens' queries were dropped (their dq rows stay zero).
                let (gx, accumulate) = qkv.gradDestination(whole: m == n)
                let beta: Float = accumulate ? 1 : 0
                let scratch = TensorStorage(count: ComputeThreads.chunkCount(pairs, grain: 1) * m * n)
                forEachHead(pairs) { chunk, i in
                    let (q, dqkv, dOut) = (x + qOffset(i), gx + qOffset(i), g + outOffset(i))
                    let (weights, dScores) = (probabilities.base + i * m * n, scratch.base + chunk * m * n)
                    gemm(
                        transA: true, transB: false, m: n, n: width, k: m, a: weights, lda: n, b: dOut, ldb: d,
                        beta: beta, c: dqkv + 2 * d, ldc: rowStride)
                    gemm(
                        transA: false, transB: true, m: m, n: n, k: width, a: dOut, lda: d, b: q + 2 * d, ldb: rowStride,
                        beta: 0, c: dScores, ldc: n)
                    for row in 0..<m {
                        let (pRow, dRow) = (weights + row * n, dScores + row * n)
                        let dot = VectorSums.dot(dRow, pRow, n)
                        for s in 0..<n { dRow[s] = pRow[s] * (dRow[s] - dot) }
                    }
                    gemm(
                        transA: false, transB: false, m: m, n: width, k: n, alpha: scale, a: dScores, lda: n, b: q + d, ldb: rowStride,
                        beta: beta, c: dqkv, ldc: rowStride)
                    gemm(
                        transA: true, transB: false, m: n, n: width, k: m, alpha: scale, a: dScores, lda: n, b: q, ldb: rowStride,
                        beta: beta, c: dqkv + d, ldc: rowStride)
                }
            }
        }
    }

    /// Runs `body(chunk, pair)` for pairs 0..<`pairs`, the chunks side by side on the loop threads
    /// with each gemm in one piece (each pair's products are small).
    private static func forEachHead(_ pairs: Int, _ body: (_ chunk: Int, _ pair: Int) -> Void) {
        ComputeThreads.withSerialGemm {
            ComputeThreads.parallelChunks(pairs, grain: 1) { chunk, range in
                for i in range { body(chunk, i) }
            }
        }
    }
}
