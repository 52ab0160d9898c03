/// 2-d convolution (cross-correlation, as PyTorch's conv2d) as im2col + sgemm over chunks of
/// samples.
///
/// Shapes: x (N, C, H, W), weight (O, C, kh, kw) OIHW, bias (O) → (N, O, Ho, Wo) with
/// Ho = (H + 2·padH − kh) / strideH + 1. Per chunk of S samples: col (C·kh·kw, S·P) = im2col(x);
/// Y (O, S·P) = W · col; out[n, o, p] = Y[o, n·P + p] + b[o]. Backward per chunk, with col
/// recomputed unless forward kept it (see `ConvPlan.keepsColumns`): dW += dY · colᵀ,
/// db += Σ dY, dx += col2im(Wᵀ · dY).
/// Chunks keep the column matrix small enough to stay in cache; when there are enough of them,
/// each thread works through its own chunks with single-threaded sgemm (see `ConvPlan`).
/// Stride-1 convolutions that keep the plane's size skip the column matrix: on narrow channels
/// and planes large enough, a direct kernel (see `StrideOneConvolution`); 3×3 ones on wide
/// channels, Winograd's F(2×2, 3×3) (see `WinogradConvolution`). So does the stem, stride 2 on
/// one channel, when its input needs no gradient and it has at most 16 outputs or its weight
/// needs no gradient either (see `PhaseConvolution`).
extension Tensor {
    public static func conv2d(
        _ x: Tensor, weight: Tensor, bias: Tensor? = nil,
        stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0)
    ) throws -> Tensor {
        guard x.rank == 4, weight.rank == 4, x.shape[1] == weight.shape[1] else {
            throw TensorError.shapes("conv2d", x.shape, weight.shape, "input must be (N, C, H, W) and weight (O, C, kh, kw) with the same C")
        }
        let geometry = ConvGeometry(
            batch: x.shape[0], channels: x.shape[1], height: x.shape[2], width: x.shape[3],
            kernelH: weight.shape[2], kernelW: weight.shape[3],
            strideH: stride.0, strideW: stride.1, padH: padding.0, padW: padding.1)
        guard stride.0 > 0, stride.1 > 0, padding.0 >= 0, padding.1 >= 0,
            geometry.outHeight > 0, geometry.outWidth > 0
        else {
            throw TensorError.shapes("conv2d", x.shape, weight.shape, "stride \(stride) and padding \(padding) leave no output")
        }
        let outChannels = weight.shape[0]
        if let bias, bias.shape != [outChannels] {
            throw TensorError.shapes("conv2d", weight.shape, bias.shape, "bias must have shape [\(outChannels)]")
        }
        let plan = ConvPlan(geometry, outChannels: outChannels)
        let out = TensorStorage(count: geometry.batch * outChannels * geometry.positions)
        let (px, pw, py, pb) = (x.storage.base, weight.storage.base, out.base, bias?.storage.base)
        let algorithm = ConvAlgorithm(
            geometry, outChannels: outChannels, inputNeedsGradient: GradMode.isEnabled && x.requiresGrad,
            weightNeedsGradient: GradMode.isEnabled && weight.requiresGrad)
        // Every chunk's column matrix, or Winograd's input transform, side by side, when backward
        // will reuse them.
        let recording = records([x, weight] + (bias.map { [$0] } ?? []))
        let kept: TensorStorage? =
            switch algorithm {
            case .columns where recording && plan.keepsColumns: TensorStorage(count: geometry.patchSize * geometry.batch * geometry.positions)
            case .winograd(let winograd) where GradMode.isEnabled && weight.requiresGrad && winograd.keepsInput(plan):
                TensorStorage(count: plan.chunks * winograd.inputFloats(plan))
            default: nil
            }
        var filters: TensorStorage?  // Winograd's transformed filters, for backward
        switch algorithm {
        case .direct(let direct): direct.forward(x: px, weight: pw, bias: pb, into: py, plan: plan)
        case .phases(let phases): phases.forward(x: px, weight: pw, bias: pb, into: py, plan: plan)
        case .winograd(let winograd):
            filters = winograd.forward(x: px, weight: pw, bias: pb, into: py, plan: plan, keptInput: kept?.base)
        case .columns:
            columnsForward(x: px, weight: pw, bias: pb, into: py, keptColumns: kept?.base, geometry: geometry, outChannels: outChannels, plan: plan)
        }
        let outShape = [geometry.batch, outChannels, geometry.outHeight, geometry.outWidth]
        return result("conv2d", shape: outShape, storage: out, inputs: [x, weight] + (bias.map { [$0] } ?? [])) {
            { g in
                let (dX, dWeight) = (x.gradAccumulatorIfPresent, weight.requiresGrad ? weight.gradAccumulator() : nil)
                let dBias = bias?.requiresGrad == true ? bias!.gradAccumulator() : nil
                switch algorithm {
                case .direct(let direct):
                    direct.backward(dOut: g, x: px, weight: pw, plan: plan, dX: dX, dWeight: dWeight, dBias: dBias)
                case .phases(let phases):
                    phases.backward(dOut: g, x: px, plan: plan, dWeight: dWeight, dBias: dBias)
                case .winograd(let winograd):
                    winograd.backward(
                        dOut: g, x: px, filters: filters!, plan: plan, keptInput: kept?.base, dX: dX, dWeight: dWeight, dBias: dBias)
                case .columns:
                    conv2dBackward(
                        dOut: g, x: px, weight: pw, keptColumns: kept?.base, geometry: geometry, outChannels: outChannels, plan: plan,
                        dX: dX, dWeight: dWeight, dBias: dBias)
                }
            }
        }
    }

    /// conv2d's forward by im2col + sgemm, chunk by chunk as `plan` splits the batch: y (N, O, P)
    /// from x (N, C, H, W), weight (O, C·kh·kw) and bias (O). With `keptColumns`, each chunk's
    /// column matrix stays there, side by side, for backward.
    static func columnsForward(
        x px: UnsafePointer<Float>, weight pw: UnsafePointer<Float>, bias pb: UnsafePointer<Float>?,
        into py: UnsafeMutablePointer<Float>, keptColumns kept: UnsafeMutablePointer<Float>?,
        geometry: ConvGeometry, outChannels: Int, plan: ConvPlan
    ) {
        let (p, patch) = (geometry.positions, geometry.patchSize)
        plan.forEachWorker { _, chunks, parallelInside in
            let scratch = TensorStorage(count: kept == nil ? patch * plan.maxColumns : 0)
            let product = TensorStorage(count: plan.maxSamples > 1 ? outChannels * plan.maxColumns : 0)
            for chunk in chunks {
                let samples = plan.samples(chunk), columns = samples.count * p
                let col = kept.map { $0 + patch * samples.lowerBound * p } ?? scratch.base
                im2col(px, geometry, samples: samples, into: col, parallel: parallelInside)
                // A one-sample chunk's product is already that sample's (O, P) output.
                let single = samples.count == 1
                let target = single ? py + samples.lowerBound * outChannels * p : product.base
                gemm(
                    transA: false, transB: false, m: outChannels, n: columns, k: patch,
                    a: pw, lda: patch, b: col, ldb: columns, beta: 0, c: target, ldc: columns)
                for n in samples where !single || pb != nil {
                    for o in 0..<outChannels {
                        let source = target + o * columns + (n - samples.lowerBound) * p
                        let output = py + (n * outChannels + o) * p, shift = pb?[o] ?? 0
                        for j in 0..<p { output[j] = source[j] + shift }
                    }
                }
            }
        }
    }

    /// conv2d's backward, chunk by chunk as the forward ran (`plan`): adds to dX (N, C, H, W),
    /// dWeight (O, C, kh, kw) and dBias (O), each when given, from dOut (N, O, Ho, Wo), the input x
    /// and the weight. Per chunk, with dY (O, S·P) its output gradient and col (C·kh·kw, S·P) its
    /// column matrix (the forward's when `keptColumns` holds them side by side, else recomputed):
    /// dW += dY · colᵀ, db += Σ dY over positions, dx += col2im(Wᵀ · dY). Each worker sums dW and
    /// db in its own buffer; the buffers are added in worker order (the same result on any thread
    /// count).
    static func conv2dBackward(
        dOut g: UnsafePointer<Float>, x px: UnsafePointer<Float>, weight pw: UnsafePointer<Float>,
        keptColumns: UnsafeMutablePointer<Float>?, geometry: ConvGeometry, outChannels: Int, plan: ConvPlan,
        dX gx: UnsafeMutablePointer<Float>?, dWeight gw: UnsafeMutablePointer<Float>?,
        dBias gb: UnsafeMutablePointer<Float>?
    ) {
        let (p, patch) = (geometry.positions, geometry.patchSize)
        // Per worker: dW (O, patch) and db (O) partial sums, added in worker order below.
        let partials = TensorStorage(count: plan.workers * outChannels * (patch + 1), repeating: 0)
        plan.forEachWorker { worker, chunks, parallelInside in
            let scratch = TensorStorage(count: keptColumns == nil ? patch * plan.maxColumns : 0)
            let dy = TensorStorage(count: plan.maxSamples > 1 ? outChannels * plan.maxColumns : 0)
            let dWeight = partials.base + worker * outChannels * (patch + 1), dBias = dWeight + outChannels * patch
            for chunk in chunks {
                let samples = plan.samples(chunk), columns = samples.count * p
                // dY (O, S·P): a one-sample chunk reads the output gradient in place.
                let single = samples.count == 1
                let dyChunk = single ? g + samples.lowerBound * outChannels * p : UnsafePointer(dy.base)
                for n in samples where !single || gb != nil {
                    for o in 0..<outChannels {
                        let source = g + (n * outChannels + o) * p
                        if !single {
                            (dy.base + o * columns + (n - samples.lowerBound) * p).update(from: source, count: p)
                        }
                        if gb != nil { dBias[o] += VectorSums.sum(source, p) }
                    }
                }
                let col = keptColumns.map { $0 + patch * samples.lowerBound * p } ?? scratch.base
                if keptColumns == nil { im2col(px, geometry, samples: samples, into: col, parallel: parallelInside) }
                if plan.transposedWeightGradient {  // dWᵀ (patch, O) += col · dYᵀ
                    gemm(
                        transA: false, transB: true, m: patch, n: outChannels, k: columns,
                        a: col, lda: columns, b: dyChunk, ldb: columns, beta: 1, c: dWeight, ldc: outChannels)
                } else {  // dW (O, patch) += dY · colᵀ
                    gemm(
                        transA: false, transB: true, m: outChannels, n: patch, k: columns,
                        a: dyChunk, lda: columns, b: col, ldb: columns, beta: 1, c: dWeight, ldc: patch)
                }
                if let gx {
                    // The chunk's column matrix is used up: its buffer takes Wᵀ · dY.
                    gemm(
                        transA: true, transB: false, m: patch, n: columns, k: outChannels,
                        a: pw, lda: patch, b: dyChunk, ldb: columns, beta: 0, c: col, ldc: columns)
                    col2im(col, geometry, samples: samples, addingInto: gx, parallel: parallelInside)
                }
            }
        }
        for worker in 0..<plan.workers {
            let dWeight = partials.base + worker * outChannels * (patch + 1), dBias = dWeight + outChannels * patch
            if let gw {
                if plan.transposedWeightGradient {
                    for o in 0..<outChannels { for i in 0..<patch { gw[o * patch + i] += dWeight[i * outChannels + o] } }
                } else {
                    for i in 0..<(outChannels * patch) { gw[i] += dWeight[i] }
                }
            }
            if let gb {
                for o in 0..<outChannels { gb[o] += dBias[o] }
            }
        }
    }
}

/// How a convolution is computed: Winograd's F(2×2, 3×3) (3×3 same-size on wide channels), the
/// direct stride-1 kernel (same-size on narrow channels), the direct kernel over the input's
/// phases (stride 2 on a few input channels that need no gradient: the mini stem, and the
/// standard one in inference), or im2col + sgemm, the first of them that takes its shape.
enum ConvAlgorithm {
    case direct(StrideOneConvolution)
    case phases(PhaseConvolution)
    case winograd(WinogradConvolution)
    case columns

    init(_ g: ConvGeometry, outChannels: Int, inputNeedsGradient: Bool, weightNeedsGradient: Bool) {
        if let winograd = WinogradConvolution(g, outChannels: outChannels) {
            self = .winograd(winograd)
        } else if let direct = StrideOneConvolution(g, outChannels: outChannels) {
            self = .direct(direct)
        } else if let phases = PhaseConvolution(
            g, outChannels: outChannels, inputNeedsGradient: inputNeedsGradient, weightNeedsGradient: weightNeedsGradient)
        {
            self = .phases(phases)
        } else {
            self = .columns
        }
    }
}

/// How a convolution splits its batch: chunks of whole samples with at least `minColumns`
/// columns each. With at least as many chunks as threads, each thread takes a contiguous run of
/// chunks and each gemm inside it runs in one piece; otherwise the chunks run one after another,
/// each gemm split over the threads (see `gemm`) and im2col parallel.
struct ConvPlan {
    let batch: Int
    let chunks: Int
    let workers: Int
    /// The most samples, and columns, of any chunk.
    let maxSamples: Int
    let maxColumns: Int
    /// Whether the weight gradient is accumulated as dWᵀ (patch, O): sgemm runs faster with the
    /// larger of the two as its output's row length, and the transpose is cheap when patch is small.
    let transposedWeightGradient: Bool
    /// Whether forward keeps the column matrices for backward instead of backward recomputing
    /// them: when patch ≤ O they are no larger than the output, and im2col is then a large share
    /// of the work (the 1×1 downsampling convolutions); and whenever they take at most
    /// `maxKeptColumnBytes` (the mini models' strided and small-plane convolutions and their stem,
    /// a few MB each, where recomputing costs a tenth of the backward).
    let keepsColumns: Bool
    static let minColumns = 512
    static let maxKeptColumnBytes = 32 << 20

    init(_ g: ConvGeometry, outChannels: Int) {
        transposedWeightGradient = g.patchSize < outChannels
        keepsColumns = g.patchSize <= outChannels || g.patchSize * g.batch * g.positions * 4 <= Self.maxKeptColumnBytes
        let threads = ComputeThreads.current
        let fitting = Swift.min(g.batch, Swift.max(1, g.batch * g.positions / Self.minColumns))
        chunks = fitting >= threads ? fitting - fitting % threads : 1
        workers = chunks >= threads ? threads : 1
        batch = g.batch
        maxSamples = (g.batch + chunks - 1) / chunks
        maxColumns = maxSamples * g.positions
    }

    /// dBias (O) += the sum over positions of dOut (N, O, positions), for `samples`: a worker's
    /// partial bias gradient over its chunk.
    func addBiasGradient(
        _ g: UnsafePointer<Float>, samples: Range<Int>, outChannels: Int, positions p: Int, into dBias: UnsafeMutablePointer<Float>
    ) {
        for n in samples {
            for o in 0..<outChannels { dBias[o] += VectorSums.sum(g + (n * outChannels + o) * p, p) }
        }
    }

    /// The samples of chunk `i` (balanced: sizes differ by at most one).
    func samples(_ i: Int) -> Range<Int> { (batch * i / chunks)..<(batch * (i + 1) / chunks) }

    /// Runs `body(worker, chunks, parallelInside)` for each worker, side by side.
    func forEachWorker(_ body: (Int, Range<Int>, Bool) -> Void) {
        guard workers > 1 else {
            body(0, 0..<chunks, true)
            return
        }
        ComputeThreads.withSerialGemm {
            ComputeThreads.parallelChunks(chunks, grain: chunks / workers) { worker, range in
                body(worker, range, false)
            }
        }
    }
}
