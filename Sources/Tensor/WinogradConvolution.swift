import VectorKernels

/// A 3×3, stride-1, padding-1 convolution on wide channels by Winograd's minimal filtering
/// F(2×2, 3×3) (Lavin & Gray 2015): each 2×2 output tile is Aᵀ[Σ_c U ⊙ V]A with U = G g Gᵀ the
/// 4×4 transform of a filter and V = Bᵀ d B that of the 4×4 input window, so the sum over input
/// channels becomes 16 products of (O, C) by (C, T) matrices, T the chunk's tiles: 16 multiplies
/// per tile and channel pair where direct summation takes 36. `vk_winograd_*` transform the
/// tiles; sgemm runs the products.
///
/// Layout per chunk of S samples: V (16, C, T), products M (16, O, T), with T = S·th·tw and tile
/// (n, i, j) at (n·th + i)·tw + j (th = ⌈H/2⌉, tw = ⌈W/2⌉); U (16, O, C). The 16 matrices of each
/// sit `rowStride` apart.
///
/// Backward differentiates the same computation: Ŷ = A dY Aᵀ per tile (16, O, T), then
/// dV[ξ] = U[ξ]ᵀ Ŷ[ξ] and dx += B dV Bᵀ at each tile's window, and dU[ξ] += Ŷ[ξ] V[ξ]ᵀ
/// with dW = Gᵀ dU G per filter, V being the forward's when it kept it (`keepsInput`), else
/// recomputed.
struct WinogradConvolution {
    let geometry: ConvGeometry
    let outChannels: Int
    /// Tiles per sample plane: ⌈H/2⌉·⌈W/2⌉.
    let tilesPerSample: Int
    /// Floats of scratch each plane transform needs.
    private let scratchCount: Int

    /// The fewest input and output channels at which it beats the direct kernel and im2col +
    /// sgemm (fwd + bwd on one thread, `spectrofold-bench ops`: standard layer1, 64 channels on
    /// 32×25, 42 against the direct kernel's 53 ms; layer2–4 1.2–1.3× faster than im2col at 100
    /// frames, 1.5–2.2× at 500; the mini layer1 and layer2, 16 and 32 channels, 1.5× slower than
    /// the direct kernel).
    static let minChannels = 64
    /// The fewest tiles per plane times channels: below it the transforms, per plane, outweigh
    /// what the products save (the mini layer4 at 100 frames, 128 channels on 4×4 planes of 4
    /// tiles, 0.93–0.95× im2col's speed; the mini layer3, 64 channels on 16 tiles, 1.04×; the
    /// standard layer4, 512 channels on 4 tiles, 1.2×).
    static let minChannelTiles = 1024

    /// nil unless the convolution is 3×3, stride 1, padding 1 with at least `minChannels`
    /// input and output channels and `minChannelTiles` tiles × channels.
    init?(_ g: ConvGeometry, outChannels: Int) {
        let tiles = ((g.height + 1) / 2) * ((g.width + 1) / 2), channels = Swift.min(g.channels, outChannels)
        guard g.kernelH == 3, g.kernelW == 3, g.strideH == 1, g.strideW == 1, g.padH == 1, g.padW == 1,
            channels >= Self.minChannels, channels * tiles >= Self.minChannelTiles
        else { return nil }
        geometry = g
        self.outChannels = outChannels
        tilesPerSample = tiles
        scratchCount = Int(vk_winograd_scratch(Int64(g.height), Int64(g.width)))
    }

    private var planeSize: Int { geometry.height * geometry.width }

    /// Floats of one chunk's V (16, C, T) under `plan`; forward keeps V at that spacing, chunk
    /// by chunk, when given a buffer of `plan.chunks` times that.
    func inputFloats(_ plan: ConvPlan) -> Int { 16 * Self.rowStride(geometry.channels * plan.maxSamples * tilesPerSample) }

    /// Whether forward keeps V for backward's weight gradient instead of backward recomputing it:
    /// when it takes at most `ConvPlan.maxKeptColumnBytes`, as with im2col's column matrices.
    func keepsInput(_ plan: ConvPlan) -> Bool { plan.chunks * inputFloats(plan) * 4 <= ConvPlan.maxKeptColumnBytes }

    /// y (N, O, H, W) = conv(x (N, C, H, W), weight (O, C, 3, 3)) + bias (O), chunk by chunk as
    /// `plan` splits the batch; each chunk's V stays in `keptInput` when given (see `inputFloats`).
    /// Returns U, the transformed filters, for backward.
    @discardableResult
    func forward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        into y: UnsafeMutablePointer<Float>, plan: ConvPlan, keptInput: UnsafeMutablePointer<Float>?
    ) -> TensorStorage {
        let (channels, h, w) = (geometry.channels, Int64(geometry.height), Int64(geometry.width))
        let (u, uStride) = (transformedWeight(weight), filterStride)
        let maxTiles = plan.maxSamples * tilesPerSample
        plan.forEachWorker { _, chunks, parallelInside in
            let scratchV = TensorStorage(count: keptInput == nil ? inputFloats(plan) : 0)
            let m = TensorStorage(count: 16 * Self.rowStride(outChannels * maxTiles))
            for chunk in chunks {
                let samples = plan.samples(chunk), tiles = samples.count * tilesPerSample
                let (vStride, mStride) = (Self.rowStride(channels * tiles), Self.rowStride(outChannels * tiles))
                let v = keptInput.map { $0 + chunk * inputFloats(plan) } ?? scratchV.base
                forEachPlane(samples: samples, channels: channels, parallel: parallelInside) { n, c, scratch in
                    vk_winograd_input(
                        x + (n * channels + c) * planeSize, h, w, v + c * tiles + (n - samples.lowerBound) * tilesPerSample,
                        Int64(vStride), scratch)
                }
                forEachProduct(parallel: parallelInside) { xi in
                    gemm(
                        transA: false, transB: false, m: outChannels, n: tiles, k: channels,
                        a: u.base + xi * uStride, lda: channels, b: v + xi * vStride, ldb: tiles,
                        beta: 0, c: m.base + xi * mStride, ldc: tiles)
                }
                forEachPlane(samples: samples, channels: outChannels, parallel: parallelInside) { n, o, scratch in
                    vk_winograd_output(
                        m.base + o * tiles + (n - samples.lowerBound) * tilesPerSample, Int64(mStride),
                        bias?[o] ?? 0, y + (n * outChannels + o) * planeSize, h, w, scratch)
                }
            }
        }
        return u
    }

    /// Adds to dX (N, C, H, W), dWeight (O, C, 3, 3) and dBias (O), each when given, from
    /// dOut (N, O, H, W), the input x and U from forward, with V from `keptInput` when forward
    /// kept it (its buffer then takes dV). Each worker sums dU (16, O, C) and db in its own
    /// buffer; the buffers are added in worker order (the same result on any thread count).
    func backward(
        dOut g: UnsafePointer<Float>, x: UnsafePointer<Float>, filters u: TensorStorage, plan: ConvPlan,
        keptInput: UnsafeMutablePointer<Float>?, dX gx: UnsafeMutablePointer<Float>?, dWeight gw: UnsafeMutablePointer<Float>?,
        dBias gb: UnsafeMutablePointer<Float>?
    ) {
        let (channels, h, w, p) = (geometry.channels, Int64(geometry.height), Int64(geometry.width), planeSize)
        let (maxTiles, uStride) = (plan.maxSamples * tilesPerSample, filterStride)
        let partialCount = 16 * uStride + outChannels
        let partials = TensorStorage(count: plan.workers * partialCount, repeating: 0)
        plan.forEachWorker { worker, chunks, parallelInside in
            let gHat = TensorStorage(count: 16 * Self.rowStride(outChannels * maxTiles))
            let scratchV = TensorStorage(count: keptInput == nil ? inputFloats(plan) : 0)
            let dU = partials.base + worker * partialCount, dBias = dU + 16 * uStride
            for chunk in chunks {
                let samples = plan.samples(chunk), tiles = samples.count * tilesPerSample
                let (vStride, gStride) = (Self.rowStride(channels * tiles), Self.rowStride(outChannels * tiles))
                let v = keptInput.map { $0 + chunk * inputFloats(plan) } ?? scratchV.base
                if gb != nil { plan.addBiasGradient(g, samples: samples, outChannels: outChannels, positions: p, into: dBias) }
                forEachPlane(samples: samples, channels: outChannels, parallel: parallelInside) { n, o, scratch in
                    vk_winograd_output_gradient(
                        g + (n * outChannels + o) * p, h, w, gHat.base + o * tiles + (n - samples.lowerBound) * tilesPerSample,
                        Int64(gStride), scratch)
                }
                if gw != nil {
                    if keptInput == nil {
                        forEachPlane(samples: samples, channels: channels, parallel: parallelInside) { n, c, scratch in
                            vk_winograd_input(
                                x + (n * channels + c) * p, h, w, v + c * tiles + (n - samples.lowerBound) * tilesPerSample,
                                Int64(vStride), scratch)
                        }
                    }
                    forEachProduct(parallel: parallelInside) { xi in  // dU[ξ] (O, C) += Ŷ[ξ] · V[ξ]ᵀ
                        gemm(
                            transA: false, transB: true, m: outChannels, n: channels, k: tiles,
                            a: gHat.base + xi * gStride, lda: tiles, b: v + xi * vStride, ldb: tiles,
                            beta: 1, c: dU + xi * uStride, ldc: channels)
                    }
                }
                if let gx {
                    forEachProduct(parallel: parallelInside) { xi in  // dV[ξ] (C, T) = U[ξ]ᵀ · Ŷ[ξ], over V's buffer
                        gemm(
                            transA: true, transB: false, m: channels, n: tiles, k: outChannels,
                            a: u.base + xi * uStride, lda: channels, b: gHat.base + xi * gStride,
                            ldb: tiles, beta: 0, c: v + xi * vStride, ldc: tiles)
                    }
                    forEachPlane(samples: samples, channels: channels, parallel: parallelInside) { n, c, scratch in
                        vk_winograd_input_gradient(
                            v + c * tiles + (n - samples.lowerBound) * tilesPerSample, Int64(vStride),
                            gx + (n * channels + c) * p, h, w, scratch)
                    }
                }
            }
        }
        for worker in 0..<plan.workers {
            let dU = partials.base + worker * partialCount, dBias = dU + 16 * uStride
            if let gw { vk_winograd_filter_gradients(dU, Int64(uStride), Int64(outChannels * channels), gw) }
            if let gb {
                for o in 0..<outChannels { gb[o] += dBias[o] }
            }
        }
    }

    /// Runs `body(sample, channel, scratch)` for each plane of `samples` × `channels`, split over
    /// the loop threads with `parallel`; each thread has its own scratch.
    private func forEachPlane(
        samples: Range<Int>, channels: Int, parallel: Bool,
        _ body: (_ sample: Int, _ channel: Int, _ scratch: UnsafeMutablePointer<Float>) -> Void
    ) {
        let planes = samples.count * channels
        ComputeThreads.parallelFor(planes, grain: parallel ? Swift.max(1, planes / ComputeThreads.current) : planes) { range in
            let scratch = TensorStorage(count: scratchCount)
            for plane in range { body(samples.lowerBound + plane / channels, plane % channels, scratch.base) }
        }
    }

    /// Runs `body(ξ)` for the 16 products, with `parallel` split over the loop threads (each
    /// gemm then in one piece).
    private func forEachProduct(parallel: Bool, _ body: (Int) -> Void) {
        guard parallel, ComputeThreads.current > 1 else {
            for xi in 0..<16 { body(xi) }
            return
        }
        ComputeThreads.withSerialGemm {
            ComputeThreads.parallelFor(16, grain: 16 / ComputeThreads.current) { range in
                for xi in range { body(xi) }
            }
        }
    }

    /// Floats between U's 16 matrices.
    private var filterStride: Int { Self.rowStride(outChannels * geometry.channels) }

    /// U (16, O, C): U[ξ][o][c] = (G g Gᵀ)[ξ] for each filter g = weight[o, c] (3×3).
    private func transformedWeight(_ weight: UnsafePointer<Float>) -> TensorStorage {
        let u = TensorStorage(count: 16 * filterStride)
        vk_winograd_filters(weight, Int64(outChannels * geometry.channels), u.base, Int64(filterStride))
        return u
    }

    /// Floats between the 16 matrices of `floats` each: a whole number of KiB plus one cache
    /// line, so that the 16 rows a transform writes side by side fall in different cache sets.
    private static func rowStride(_ floats: Int) -> Int { (floats + 1023) / 1024 * 1024 + 16 }
}
