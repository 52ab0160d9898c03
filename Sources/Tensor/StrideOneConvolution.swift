import VectorKernels

/// A stride-1 convolution that keeps the plane's size (odd kernel, padding (k − 1) / 2, channel
/// counts multiples of 8 up to 64), computed without a column matrix: each sample's planes are copied into
/// zero-bordered planes `row` = W + 2·padW floats wide, and `vk_conv_stride1` sums the taps
/// straight from them onto an output grid of the same row width (the 2·padW positions past W in
/// each output row are computed and discarded).
///
/// Layout of a chunk of S samples, per channel: the samples' padded planes back to back, `plane`
/// floats apart, then `overrun` zeros that the last sample's taps may read. Input element
/// (y, x) sits at (y + padH)·row + x + padW of its plane; output position (oy, ox) at oy·row + ox.
///
/// Backward uses the same layout and kernel. dX is the convolution of the zero-bordered dY with
/// the weight transposed (C ↔ O) and flipped. dW, tap by tap, is one sgemm per chunk:
/// dW[:, :, ki, kj] += dY (O, S·plane) · X shifted by ki·row + kj (C, S·plane)ᵀ, dY being read on
/// the output grid, where everything but the valid positions is 0.
struct StrideOneConvolution {
    let geometry: ConvGeometry
    let outChannels: Int
    /// Floats per row of a padded plane and of the output grid: W + 2·padW.
    let row: Int
    /// Output positions computed per sample: H·row rounded up to the kernel's position block.
    let positions: Int
    /// Floats per sample's padded plane: (H + 2·padH)·row, or `positions` when that is more.
    let plane: Int
    /// Zeros after a chunk's last plane: the furthest a tap reads past it.
    let overrun: Int

    /// The most computed positions per valid output at which the direct kernel still beats
    /// im2col + sgemm (measured on the ResNet shapes: 1.23 wins, 1.7 loses).
    static let maxWaste = 1.4
    /// The most input or output channels at which it still beats im2col + sgemm, whose sgemm
    /// reaches its full rate on wide channels (fwd + bwd, direct against im2col: 64 channels,
    /// standard layer1, 54 against 61–63 ms on one thread; 128 channels, standard layer2, 54
    /// against 26–28 ms on two). 3×3 kernels on 64 channels or more go to `WinogradConvolution`
    /// first (see `ConvAlgorithm`).
    static let maxChannels = 64

    /// nil when the convolution is not of this kind, when it has more than `maxChannels`
    /// channels, or when its planes are so small that the padded grid would compute more than
    /// `maxWaste` positions per output.
    init?(_ g: ConvGeometry, outChannels: Int) {
        let block = Int(VK_CONV_CHANNEL_BLOCK), positionBlock = Int(VK_CONV_POSITION_BLOCK)
        guard g.strideH == 1, g.strideW == 1, g.kernelH % 2 == 1, g.kernelW % 2 == 1,
            g.padH == g.kernelH / 2, g.padW == g.kernelW / 2,
            outChannels % block == 0, g.channels % block == 0, Swift.max(outChannels, g.channels) <= Self.maxChannels
        else { return nil }
        geometry = g
        self.outChannels = outChannels
        row = g.width + 2 * g.padW
        positions = (g.height * row + positionBlock - 1) / positionBlock * positionBlock
        guard Double(positions) <= Self.maxWaste * Double(g.positions) else { return nil }
        plane = Swift.max((g.height + 2 * g.padH) * row, positions)
        overrun = (g.kernelH - 1) * row + g.kernelW - 1
    }

    private var taps: Int { geometry.kernelH * geometry.kernelW }

    /// Floats between a chunk's channels, for S samples.
    private func channelStride(samples: Int) -> Int { samples * plane + overrun }

    /// y (N, O, H, W) = conv(x (N, C, H, W), weight (O, C, kh, kw)) + bias (O), chunk by chunk as
    /// `plan` splits the batch.
    func forward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        into y: UnsafeMutablePointer<Float>, plan: ConvPlan
    ) {
        let channels = geometry.channels
        let packed = pack(weight, transposed: false)
        plan.forEachWorker { _, chunks, _ in
            let padded = TensorStorage(count: channels * channelStride(samples: plan.maxSamples))
            let grid = TensorStorage(count: outChannels * plan.maxSamples * plane)
            for chunk in chunks {
                let samples = plan.samples(chunk), stride = channelStride(samples: samples.count)
                pad(x, channels: channels, samples: samples, into: padded.base, stride: stride)
                convolve(
                    padded.base, stride: stride, channels: channels, packed: packed.base, outChannels: outChannels,
                    into: grid.base, samples: samples.count)
                unpad(grid.base, channels: outChannels, samples: samples, into: y, adding: false, shift: bias)
            }
        }
    }

    /// Adds to dX (N, C, H, W), dWeight (O, C, kh, kw) and dBias (O), each when given, from
    /// dOut (N, O, H, W), the input x and the weight. Each worker sums dW, tap-major (kh·kw, O, C),
    /// and db in its own buffer; the buffers are added in worker order (the same result on any
    /// thread count).
    func backward(
        dOut g: UnsafePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>, plan: ConvPlan,
        dX gx: UnsafeMutablePointer<Float>?, dWeight gw: UnsafeMutablePointer<Float>?,
        dBias gb: UnsafeMutablePointer<Float>?
    ) {
        let (channels, taps, p) = (geometry.channels, taps, geometry.positions)
        let flipped = gx.map { _ in pack(weight, transposed: true) }
        let partialCount = outChannels * (taps * channels + 1)
        let partials = TensorStorage(count: plan.workers * partialCount, repeating: 0)
        plan.forEachWorker { worker, chunks, _ in
            let paddedG = TensorStorage(count: outChannels * channelStride(samples: plan.maxSamples))
            let paddedX = TensorStorage(count: gw == nil ? 0 : channels * channelStride(samples: plan.maxSamples))
            let grid = TensorStorage(count: gx == nil ? 0 : channels * plan.maxSamples * plane)
            let dWeight = partials.base + worker * partialCount, dBias = dWeight + taps * outChannels * channels
            for chunk in chunks {
                let samples = plan.samples(chunk), stride = channelStride(samples: samples.count)
                pad(g, channels: outChannels, samples: samples, into: paddedG.base, stride: stride)
                if gb != nil { plan.addBiasGradient(g, samples: samples, outChannels: outChannels, positions: p, into: dBias) }
                if gw != nil {
                    pad(x, channels: channels, samples: samples, into: paddedX.base, stride: stride)
                    // dY on the output grid: the padded plane read from its first valid element.
                    let dyGrid = paddedG.base + geometry.padH * row + geometry.padW
                    for ki in 0..<geometry.kernelH {
                        for kj in 0..<geometry.kernelW {
                            gemm(
                                transA: false, transB: true, m: outChannels, n: channels, k: samples.count * plane,
                                a: dyGrid, lda: stride, b: paddedX.base + ki * row + kj, ldb: stride, beta: 1,
                                c: dWeight + (ki * geometry.kernelW + kj) * outChannels * channels, ldc: channels)
                        }
                    }
                }
                if let gx, let flipped {
                    convolve(
                        paddedG.base, stride: stride, channels: outChannels, packed: flipped.base, outChannels: channels,
                        into: grid.base, samples: samples.count)
                    unpad(grid.base, channels: channels, samples: samples, into: gx, adding: true, shift: nil)
                }
            }
        }
        for worker in 0..<plan.workers {
            let dWeight = partials.base + worker * partialCount, dBias = dWeight + taps * outChannels * channels
            if let gw {
                for o in 0..<outChannels {
                    for c in 0..<channels {
                        for k in 0..<taps { gw[(o * channels + c) * taps + k] += dWeight[(k * outChannels + o) * channels + c] }
                    }
                }
            }
            if let gb {
                for o in 0..<outChannels { gb[o] += dBias[o] }
            }
        }
    }

    /// Runs the kernel over each of `samples` samples' padded planes (`channels` of them,
    /// `stride` apart) into the output grid (`outChannels` rows of samples·plane floats).
    private func convolve(
        _ padded: UnsafePointer<Float>, stride: Int, channels: Int, packed: UnsafePointer<Float>,
        outChannels: Int, into grid: UnsafeMutablePointer<Float>, samples: Int
    ) {
        for n in 0..<samples {
            vk_conv_stride1(
                padded + n * plane, Int64(stride), Int64(channels), Int64(row),
                Int64(geometry.kernelH), Int64(geometry.kernelW), packed, Int64(outChannels),
                grid + n * plane, Int64(samples * plane), Int64(positions))
        }
    }

    /// Copies samples `samples` of source (N, channels, H, W) into zero-bordered planes: channel c
    /// of the chunk's sample s at target + c·stride + s·plane.
    private func pad(
        _ source: UnsafePointer<Float>, channels: Int, samples: Range<Int>,
        into target: UnsafeMutablePointer<Float>, stride: Int
    ) {
        let (h, w) = (geometry.height, geometry.width)
        for c in 0..<channels {
            for n in samples {
                let from = source + (n * channels + c) * h * w
                let to = target + c * stride + (n - samples.lowerBound) * plane
                // Zeros only between the copied rows: the border, and the plane's unused end.
                var filled = 0
                for y in 0..<h {
                    let start = (y + geometry.padH) * row + geometry.padW
                    (to + filled).update(repeating: 0, count: start - filled)
                    (to + start).update(from: from + y * w, count: w)
                    filled = start + w
                }
                (to + filled).update(repeating: 0, count: plane - filled)
            }
            (target + c * stride + samples.count * plane).update(repeating: 0, count: overrun)
        }
    }

    /// Writes (or adds, with `adding`) the valid positions of the output grid (`channels` rows of
    /// samples·plane floats) into samples `samples` of dest (N, channels, H, W), plus shift[c]
    /// when given.
    private func unpad(
        _ grid: UnsafePointer<Float>, channels: Int, samples: Range<Int>,
        into dest: UnsafeMutablePointer<Float>, adding: Bool, shift: UnsafePointer<Float>?
    ) {
        let (h, w) = (geometry.height, geometry.width)
        let gridStride = samples.count * plane
        for n in samples {
            for c in 0..<channels {
                let from = grid + c * gridStride + (n - samples.lowerBound) * plane
                let to = dest + (n * channels + c) * h * w
                let offset = shift?[c] ?? 0
                for y in 0..<h {
                    let (source, target) = (from + y * row, to + y * w)
                    if adding {
                        for x in 0..<w { target[x] += source[x] }
                    } else {
                        for x in 0..<w { target[x] = source[x] + offset }
                    }
                }
            }
        }
    }

    /// The weight (O, C, kh, kw) in the kernel's blocks: (O / 8, C, kh·kw, 8); `transposed`: the
    /// weight of dX's convolution, inputs and outputs swapped and the taps flipped, as
    /// (C / 8, O, kh·kw, 8).
    private func pack(_ weight: UnsafePointer<Float>, transposed: Bool) -> TensorStorage {
        let block = Int(VK_CONV_CHANNEL_BLOCK), taps = taps
        let (outputs, inputs) = transposed ? (geometry.channels, outChannels) : (outChannels, geometry.channels)
        let packed = TensorStorage(count: outputs * inputs * taps)
        for j in 0..<outputs {
            for m in 0..<inputs {
                for k in 0..<taps {
                    let source = transposed ? weight[(m * outputs + j) * taps + taps - 1 - k] : weight[(j * inputs + m) * taps + k]
                    packed.base[(((j / block) * inputs + m) * taps + k) * block + j % block] = source
                }
            }
        }
        return packed
    }
}
