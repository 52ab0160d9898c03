import VectorKernels

/// A stride-2 convolution on a few input channels (the stem's 7×7 on a one-channel spectrogram)
/// computed by the direct kernel, without a column matrix, when its input needs no gradient.
///
/// The zero-padded input x̃ (C, H + 2·padH, W + 2·padW) splits into its four phases, the rows
/// and columns of even or odd index: P(c, a, b)[i, j] = x̃[c, 2i + a, 2j + b]. With ki = 2u + a
/// and kj = 2v + b the stride-2 convolution is a stride-1 one over the 4·C phase planes with a
/// ⌈kh/2⌉ × ⌈kw/2⌉ kernel:
///     y[o, oy, ox] = Σ_{c, a, b, u, v} w[o, c, 2u + a, 2v + b] · P(c, a, b)[oy + u, ox + v],
/// the weight read as 0 where 2u + a ≥ kh or 2v + b ≥ kw. The column matrix it replaces has
/// C·kh·kw rows (49 for the stem), too few for sgemm to run well, and is written and read whole.
///
/// Layout: a `PlaneGrid` over phase planes of Ho + ⌈kh/2⌉ − 1 rows of Wo + ⌈kw/2⌉ − 1 floats,
/// phase (c, a, b) as channel 4c + 2a + b. Backward gives dW (the phase taps' sums, mapped back
/// to the kernel's) and dB; there is no dX.
struct PhaseConvolution {
    let geometry: ConvGeometry
    let outChannels: Int
    let grid: PlaneGrid
    /// The most input channels: with more, the column matrix has rows enough for sgemm.
    static let maxChannels = 4
    /// The most output channels when the weight needs a gradient: with more, im2col's one
    /// (O, C·kh·kw) sgemm wins (one thread, fwd + bwd: the mini stem's 16 outputs 9.0–9.2 →
    /// 6.2–6.7 ms, the standard stem's 64 outputs 24–31 → 30–37 ms on AVX-512 with dW as one sgemm
    /// per phase tap; with the C dW kernel, on AVX2, still 32–34 → 35–43 ms).
    static let maxTrainedOutChannels = 16

    /// nil when the convolution is not of this kind, when its input needs a gradient, or when its
    /// weight does and it has more than `maxTrainedOutChannels` outputs.
    init?(_ g: ConvGeometry, outChannels: Int, inputNeedsGradient: Bool, weightNeedsGradient: Bool) {
        guard !inputNeedsGradient, !weightNeedsGradient || outChannels <= Self.maxTrainedOutChannels,
            g.strideH == 2, g.strideW == 2, g.kernelH > 2, g.kernelW > 2,
            g.channels <= Self.maxChannels, outChannels % Int(VK_CONV_CHANNEL_BLOCK) == 0
        else { return nil }
        let (kh, kw) = ((g.kernelH + 1) / 2, (g.kernelW + 1) / 2)
        grid = PlaneGrid(row: g.outWidth + kw - 1, rows: g.outHeight + kh - 1, outHeight: g.outHeight, kernelH: kh, kernelW: kw)
        guard Double(grid.positions) <= StrideOneConvolution.maxWaste * Double(g.positions) else { return nil }
        (geometry, self.outChannels) = (g, outChannels)
    }

    private var phaseChannels: Int { 4 * geometry.channels }

    /// y (N, O, Ho, Wo) = conv(x (N, C, H, W), weight (O, C, kh, kw), stride 2) + bias (O), chunk
    /// by chunk as `plan` splits the batch.
    func forward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        into y: UnsafeMutablePointer<Float>, plan: ConvPlan
    ) {
        let (grid, phaseChannels) = (grid, phaseChannels)
        let packed = pack(weight)
        plan.forEachWorker { _, chunks, _ in
            let planes = TensorStorage(count: phaseChannels * grid.channelStride(samples: plan.maxSamples))
            let out = TensorStorage(count: outChannels * plan.maxSamples * grid.plane)
            for chunk in chunks {
                let samples = plan.samples(chunk), stride = grid.channelStride(samples: samples.count)
                split(x, samples: samples, into: planes.base, stride: stride)
                grid.convolve(
                    planes.base, stride: stride, channels: phaseChannels, packed: packed.base, outChannels: outChannels,
                    into: out.base, samples: samples.count)
                grid.gather(
                    out.base, channels: outChannels, height: geometry.outHeight, width: geometry.outWidth, samples: samples,
                    into: y, adding: false, shift: bias)
            }
        }
    }

    /// Adds to dWeight (O, C, kh, kw) and dBias (O), each when given, from dOut (N, O, Ho, Wo) and
    /// the input x (see `DirectGradients`).
    func backward(
        dOut g: UnsafePointer<Float>, x: UnsafePointer<Float>, plan: ConvPlan, dWeight gw: UnsafeMutablePointer<Float>?,
        dBias gb: UnsafeMutablePointer<Float>?
    ) {
        let (grid, phaseChannels) = (grid, phaseChannels)
        let gradients = DirectGradients(grid: grid, outChannels: outChannels, channels: phaseChannels, plan: plan)
        plan.forEachWorker { worker, chunks, _ in
            let dy = TensorStorage(count: gw == nil ? 0 : outChannels * grid.channelStride(samples: plan.maxSamples))
            let planes = TensorStorage(count: gw == nil ? 0 : phaseChannels * grid.channelStride(samples: plan.maxSamples))
            for chunk in chunks {
                let samples = plan.samples(chunk), stride = grid.channelStride(samples: samples.count)
                if gb != nil {
                    plan.addBiasGradient(
                        g, samples: samples, outChannels: outChannels, positions: geometry.positions, into: gradients.bias(worker))
                }
                guard gw != nil else { continue }
                grid.scatter(
                    g, channels: outChannels, height: geometry.outHeight, width: geometry.outWidth, top: 0, left: 0,
                    samples: samples, into: dy.base, stride: stride)
                split(x, samples: samples, into: planes.base, stride: stride)
                grid.addWeightGradient(
                    dy: dy.base, dyStride: stride, outChannels: outChannels, planes: planes.base, stride: stride,
                    channels: phaseChannels, samples: samples.count, into: gradients.weight(worker))
            }
        }
        gradients.add(into: gw, bias: gb, index: weightIndex)
    }

    /// The index in the weight (O, C, kh, kw) of output o's phase channel 4c + 2a + b at phase tap
    /// u·⌈kw/2⌉ + v: that of (o, c, 2u + a, 2v + b), or nil where that lies outside the kernel.
    private func weightIndex(_ o: Int, _ phase: Int, _ tap: Int) -> Int? {
        let (c, a, b) = (phase / 4, phase / 2 % 2, phase % 2)
        let (ki, kj) = (2 * (tap / grid.kernelW) + a, 2 * (tap % grid.kernelW) + b)
        guard ki < geometry.kernelH, kj < geometry.kernelW else { return nil }
        return ((o * geometry.channels + c) * geometry.kernelH + ki) * geometry.kernelW + kj
    }

    /// The weight (O, C, kh, kw) as the phase convolution's, in the kernel's blocks:
    /// (O / 8, 4·C, ⌈kh/2⌉·⌈kw/2⌉, 8), 0 at the phase taps outside the kernel.
    private func pack(_ weight: UnsafePointer<Float>) -> TensorStorage {
        let (block, taps, phases) = (Int(VK_CONV_CHANNEL_BLOCK), grid.taps, phaseChannels)
        let packed = TensorStorage(count: outChannels * phases * taps, repeating: 0)
        for o in 0..<outChannels {
            for m in 0..<phases {
                for k in 0..<taps {
                    if let i = weightIndex(o, m, k) { packed.base[(((o / block) * phases + m) * taps + k) * block + o % block] = weight[i] }
                }
            }
        }
        return packed
    }

    /// Copies samples `samples` of x (N, C, H, W) into the phase planes, P(c, a, b)[i, j] =
    /// x[c, 2i + a − padH, 2j + b − padW] (0 outside x): phase 4c + 2a + b of the chunk's sample s
    /// at target + (4c + 2a + b)·stride + s·plane. Everything else, the overrun included, is 0.
    private func split(_ x: UnsafePointer<Float>, samples: Range<Int>, into target: UnsafeMutablePointer<Float>, stride: Int) {
        let (h, w, padH, padW) = (geometry.height, geometry.width, geometry.padH, geometry.padW)
        let (channels, rows, row) = (geometry.channels, geometry.outHeight + grid.kernelH - 1, grid.row)
        target.update(repeating: 0, count: phaseChannels * stride)
        for c in 0..<channels {
            for n in samples {
                let from = x + (n * channels + c) * h * w
                for a in 0..<2 {
                    for b in 0..<2 {
                        let to = target + (4 * c + 2 * a + b) * stride + (n - samples.lowerBound) * grid.plane
                        // Columns j whose input column 2j + b − padW lies inside x.
                        let first = Swift.max(0, (padW - b + 1) / 2)
                        let columns = first..<Swift.max(first, Swift.min(row, (w + padW - b + 1) / 2))
                        for i in 0..<rows {
                            let y = 2 * i + a - padH
                            guard y >= 0, y < h else { continue }
                            let (source, destination) = (from + y * w + b - padW, to + i * row)
                            for j in columns { destination[j] = source[2 * j] }
                        }
                    }
                }
            }
        }
    }
}
