import VectorKernels

/// A stride-1 convolution that keeps the plane's size (odd kernel, padding (k − 1) / 2, channel
/// counts multiples of 8 up to 64), computed without a column matrix: each sample's planes are copied into
/// zero-bordered planes `row` = W + 2·padW floats wide, and `vk_conv_stride1` sums the taps
/// straight from them onto an output grid of the same row width (the 2·padW positions past W in
/// each output row are computed and discarded).
///
/// Layout: a `PlaneGrid` whose planes are the zero-bordered ones, input element (y, x) at
/// (y + padH)·row + x + padW of its plane; output position (oy, ox) at oy·row + ox.
///
/// Backward uses the same layout and kernel. dX is the convolution of the zero-bordered dY with
/// the weight transposed (C ↔ O) and flipped. dW[:, :, ki, kj] is Σ over positions of dY (O, ·)
/// times X shifted by ki·row + kj (C, ·), dY being read on the output grid, where everything but
/// the valid positions is 0 (`PlaneGrid.addWeightGradient`).
struct StrideOneConvolution {
    let geometry: ConvGeometry
    let outChannels: Int
    /// Planes W + 2·padW floats wide, H + 2·padH rows; H output rows.
    let grid: PlaneGrid

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
        let block = Int(VK_CONV_CHANNEL_BLOCK)
        guard g.strideH == 1, g.strideW == 1, g.kernelH % 2 == 1, g.kernelW % 2 == 1,
            g.padH == g.kernelH / 2, g.padW == g.kernelW / 2,
            outChannels % block == 0, g.channels % block == 0, Swift.max(outChannels, g.channels) <= Self.maxChannels
        else { return nil }
        geometry = g
        self.outChannels = outChannels
        grid = PlaneGrid(
            row: g.width + 2 * g.padW, rows: g.height + 2 * g.padH, outHeight: g.height, kernelH: g.kernelH, kernelW: g.kernelW)
        guard Double(grid.positions) <= Self.maxWaste * Double(g.positions) else { return nil }
    }

    /// y (N, O, H, W) = conv(x (N, C, H, W), weight (O, C, kh, kw)) + bias (O), chunk by chunk as
    /// `plan` splits the batch.
    func forward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        into y: UnsafeMutablePointer<Float>, plan: ConvPlan
    ) {
        let (channels, grid) = (geometry.channels, grid)
        let packed = pack(weight, transposed: false)
        plan.forEachWorker { _, chunks, _ in
            let padded = TensorStorage(count: channels * grid.channelStride(samples: plan.maxSamples))
            let out = TensorStorage(count: outChannels * plan.maxSamples * grid.plane)
            for chunk in chunks {
                let samples = plan.samples(chunk), stride = grid.channelStride(samples: samples.count)
                pad(x, channels: channels, samples: samples, into: padded.base, stride: stride)
                grid.convolve(
                    padded.base, stride: stride, channels: channels, packed: packed.base, outChannels: outChannels,
                    into: out.base, samples: samples.count)
                grid.gather(
                    out.base, channels: outChannels, height: geometry.height, width: geometry.width, samples: samples, into: y,
                    adding: false, shift: bias)
            }
        }
    }

    /// Adds to dX (N, C, H, W), dWeight (O, C, kh, kw) and dBias (O), each when given, from
    /// dOut (N, O, H, W), the input x and the weight (see `DirectGradients`).
    func backward(
        dOut g: UnsafePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>, plan: ConvPlan,
        dX gx: UnsafeMutablePointer<Float>?, dWeight gw: UnsafeMutablePointer<Float>?,
        dBias gb: UnsafeMutablePointer<Float>?
    ) {
        let (channels, grid, p) = (geometry.channels, grid, geometry.positions)
        let flipped = gx.map { _ in pack(weight, transposed: true) }
        let gradients = DirectGradients(grid: grid, outChannels: outChannels, channels: channels, plan: plan)
        plan.forEachWorker { worker, chunks, _ in
            let paddedG = TensorStorage(count: outChannels * grid.channelStride(samples: plan.maxSamples))
            let paddedX = TensorStorage(count: gw == nil ? 0 : channels * grid.channelStride(samples: plan.maxSamples))
            let out = TensorStorage(count: gx == nil ? 0 : channels * plan.maxSamples * grid.plane)
            for chunk in chunks {
                let samples = plan.samples(chunk), stride = grid.channelStride(samples: samples.count)
                pad(g, channels: outChannels, samples: samples, into: paddedG.base, stride: stride)
                if gb != nil {
                    plan.addBiasGradient(g, samples: samples, outChannels: outChannels, positions: p, into: gradients.bias(worker))
                }
                if gw != nil {
                    pad(x, channels: channels, samples: samples, into: paddedX.base, stride: stride)
                    // dY on the output grid: the padded plane read from its first valid element.
                    grid.addWeightGradient(
                        dy: paddedG.base + geometry.padH * grid.row + geometry.padW, dyStride: stride, outChannels: outChannels,
                        planes: paddedX.base, stride: stride, channels: channels, samples: samples.count,
                        into: gradients.weight(worker))
                }
                if let gx, let flipped {
                    grid.convolve(
                        paddedG.base, stride: stride, channels: outChannels, packed: flipped.base, outChannels: channels,
                        into: out.base, samples: samples.count)
                    grid.gather(
                        out.base, channels: channels, height: geometry.height, width: geometry.width, samples: samples, into: gx,
                        adding: true, shift: nil)
                }
            }
        }
        gradients.add(into: gw, bias: gb) { o, c, tap in (o * channels + c) * grid.taps + tap }
    }

    /// Copies samples `samples` of source (N, channels, H, W) into zero-bordered planes.
    private func pad(
        _ source: UnsafePointer<Float>, channels: Int, samples: Range<Int>, into target: UnsafeMutablePointer<Float>, stride: Int
    ) {
        grid.scatter(
            source, channels: channels, height: geometry.height, width: geometry.width, top: geometry.padH, left: geometry.padW,
            samples: samples, into: target, stride: stride)
    }

    /// The weight (O, C, kh, kw) in the kernel's blocks: (O / 8, C, kh·kw, 8); `transposed`: the
    /// weight of dX's convolution, inputs and outputs swapped and the taps flipped, as
    /// (C / 8, O, kh·kw, 8).
    private func pack(_ weight: UnsafePointer<Float>, transposed: Bool) -> TensorStorage {
        let block = Int(VK_CONV_CHANNEL_BLOCK), taps = grid.taps
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
