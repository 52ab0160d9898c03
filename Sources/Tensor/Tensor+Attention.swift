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
    /// each pair's products (`vk_small_gemm`) read each head where it lies (rows 3·d apart) and
    /// write the output the same way, so nothing is copied. While one pair runs, the cache is
    /// filled with what the next ones read (the next clip's rows, the next pair's P): a head's
    /// features are 64 to 256 bytes of each row, too short for the hardware's prefetchers.
    /// Per head, with P the softmax (Q, N) and dO the output's gradient:
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
        let (recording, chunks) = (records([qkv]), ComputeThreads.chunkCount(pairs, grain: 1))
        let probabilities = TensorStorage(count: (recording ? pairs : chunks) * m * n)
        let out = TensorStorage(count: batch * m * d)
        let packing = packedCount(tokens: n, width: width)
        let packed = TensorStorage(count: chunks * packing)
        let (x, p, y) = (qkv.storage.base, probabilities.base, out.base)
        forEachHead(pairs, heads: heads) { chunk, i, nextClip in
            let (q, weights, panels) = (x + qOffset(i), p + (recording ? i : chunk) * m * n, packed.base + chunk * packing)
            let upcoming = nextClip(x, n * rowStride)  // half of it during each product
            let half = (upcoming?.count ?? 0) / 2
            // S = q·kᵀ/√dₕ (Q, N), then P = softmax(S) in place, then the output P·v (Q, dₕ).
            product(
                m: m, n: n, k: width, alpha: scale, a: Strided(q, rowStride, 1), b: Strided(q + d, 1, rowStride), c: (weights, n), panels,
                upcoming: upcoming.map { ($0.base, half) })
            vk_softmax_rows(weights, weights, Int64(m), Int64(n))
            product(
                m: m, n: width, k: n, a: Strided(weights, n, 1), b: Strided(q + 2 * d, rowStride, 1), c: (y + outOffset(i), d), panels,
                upcoming: upcoming.map { ($0.base + half, $0.count - half) })
        }
        return result("self_attention", shape: [batch, m, d], storage: out, inputs: [qkv]) {
            { g in
                // dq | dk | dv per token, laid out as qkv; each pair writes its own columns of all
                // of it, unless some tokens' queries were dropped (their dq rows stay zero).
                let (gx, accumulate) = qkv.gradDestination(whole: m == n)
                let chunks = ComputeThreads.chunkCount(pairs, grain: 1)  // as the loop below splits, at its own run
                let scratch = TensorStorage(count: chunks * (m * n + packing))
                forEachHead(pairs, heads: heads) { chunk, i, nextClip in
                    let (q, dqkv, dOut) = (x + qOffset(i), gx + qOffset(i), g + outOffset(i))
                    let weights = probabilities.base + i * m * n
                    let (dScores, panels) = (scratch.base + chunk * m * n, scratch.base + chunks * m * n + chunk * packing)
                    // dV = Pᵀ·dO (N, dₕ) and dP = dO·vᵀ (Q, N), fetching the next pair's P and a
                    // share of the next clip's qkv.
                    product(
                        m: n, n: width, k: m, a: Strided(weights, 1, n), b: Strided(dOut, d, 1), accumulate: accumulate,
                        c: (dqkv + 2 * d, rowStride), panels, upcoming: i + 1 < pairs ? (UnsafePointer(weights + m * n), m * n) : nil)
                    product(
                        m: m, n: n, k: width, a: Strided(dOut, d, 1), b: Strided(q + 2 * d, 1, rowStride), c: (dScores, n), panels,
                        upcoming: nextClip(x, n * rowStride))
                    for row in 0..<m {
                        let (pRow, dRow) = (weights + row * n, dScores + row * n)
                        let dot = VectorSums.dot(dRow, pRow, n)
                        for s in 0..<n { dRow[s] = pRow[s] * (dRow[s] - dot) }
                    }
                    // dq = dS·k/√dₕ (Q, dₕ) and dk = dSᵀ·q/√dₕ (N, dₕ), fetching shares of the
                    // next clip's dO and dqkv.
                    product(
                        m: m, n: width, k: n, alpha: scale, a: Strided(dScores, n, 1), b: Strided(q + d, rowStride, 1), accumulate: accumulate,
                        c: (dqkv, rowStride), panels, upcoming: nextClip(g, m * d))
                    product(
                        m: n, n: width, k: m, alpha: scale, a: Strided(dScores, 1, n), b: Strided(q, rowStride, 1), accumulate: accumulate,
                        c: (dqkv + d, rowStride), panels, upcoming: nextClip(gx, n * rowStride))
                }
            }
        }
    }

    /// The part of a buffer of clips (`clipFloats` each, laid out clip after clip) that a pair
    /// fetches for the next clip: the 1/heads share of it that matches the pair's head, so the
    /// clip's pairs together fetch all of it; nil when the next clip's pairs run in another chunk.
    private typealias NextClipShare = (_ buffer: UnsafePointer<Float>, _ clipFloats: Int) -> (base: UnsafePointer<Float>, count: Int)?

    /// Runs `body(chunk, pair, nextClip)` for pairs 0..<`pairs` (clip-major, `heads` per clip),
    /// the chunks side by side on the loop threads.
    private static func forEachHead(_ pairs: Int, heads: Int, _ body: (_ chunk: Int, _ pair: Int, _ nextClip: NextClipShare) -> Void) {
        ComputeThreads.parallelChunks(pairs, grain: 1) { chunk, range in
            for i in range {
                let (clip, head) = i.quotientAndRemainder(dividingBy: heads)
                let fetches = (clip + 1) * heads < range.upperBound
                body(chunk, i) { buffer, clipFloats in
                    let share = clipFloats / heads
                    return fetches ? (buffer + (clip + 1) * clipFloats + head * share, share) : nil
                }
            }
        }
    }

    /// A matrix read in place: element (i, s) at base[i·row + s·column].
    private struct Strided {
        let base: UnsafePointer<Float>, row: Int, column: Int
        init(_ base: UnsafePointer<Float>, _ row: Int, _ column: Int) { (self.base, self.row, self.column) = (base, row, column) }
    }

    /// C (m, n) = alpha·A (m, k)·B (k, n), added to C when `accumulate`, for one pair
    /// (`vk_small_gemm`); C's rows `c.stride` floats apart, `panels` scratch of `packedCount` floats.
    private static func product(
        m: Int, n: Int, k: Int, alpha: Float = 1, a: Strided, b: Strided, accumulate: Bool = false,
        c: (base: UnsafeMutablePointer<Float>, stride: Int), _ panels: UnsafeMutablePointer<Float>,
        upcoming: (base: UnsafePointer<Float>, count: Int)? = nil
    ) {
        vk_small_gemm(
            Int64(m), Int64(n), Int64(k), alpha, a.base, Int64(a.row), Int64(a.column), b.base, Int64(b.row),
            Int64(b.column), accumulate ? 1 : 0, c.base, Int64(c.stride), panels, upcoming?.base, Int64(upcoming?.count ?? 0))
    }

    /// Floats of `vk_small_gemm`'s packed B for every product of a pair: B is (dₕ, N) or (N or
    /// fewer, dₕ), in panels of 16 columns.
    private static func packedCount(tokens n: Int, width: Int) -> Int {
        let panel = VK_SMALL_GEMM_PANEL
        func padded(_ columns: Int) -> Int { (columns + panel - 1) / panel * panel }
        return Swift.max(width * padded(n), n * padded(width))
    }
}
