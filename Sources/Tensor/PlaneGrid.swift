import VectorKernels

/// The layout the direct kernel (`vk_conv_stride1`) reads and writes, for a stride-1
/// cross-correlation with a kh × kw kernel over planes `row` floats wide. Per channel, a chunk of
/// S samples' planes sit back to back, `plane` floats apart, then `overrun` zeros that the last
/// sample's taps may read. Output position (oy, ox) of a sample sits at oy·row + ox of its plane
/// on the output grid (`channels` rows of S·plane floats); the positions past the valid width in
/// each row are computed and discarded.
struct PlaneGrid {
    /// Floats per row of an input plane and of the output grid.
    let row: Int
    /// Output positions computed per sample: the output rows × `row`, rounded up to the kernel's
    /// position block.
    let positions: Int
    /// Floats per sample's plane: its rows × `row`, or `positions` when that is more.
    let plane: Int
    /// Zeros after a chunk's last plane: the furthest a tap reads past it.
    let overrun: Int
    let kernelH: Int
    let kernelW: Int

    /// A grid of input planes `rows` × `row` and `outHeight` output rows.
    init(row: Int, rows: Int, outHeight: Int, kernelH: Int, kernelW: Int) {
        let positionBlock = Int(VK_CONV_POSITION_BLOCK)
        self.row = row
        positions = (outHeight * row + positionBlock - 1) / positionBlock * positionBlock
        plane = Swift.max(rows * row, positions)
        overrun = (kernelH - 1) * row + kernelW - 1
        (self.kernelH, self.kernelW) = (kernelH, kernelW)
    }

    var taps: Int { kernelH * kernelW }

    /// Floats between a chunk's channels, for S samples.
    func channelStride(samples: Int) -> Int { samples * plane + overrun }

    /// Runs `vk_conv_stride1` over each of `samples` samples' planes (`channels` of them,
    /// `stride` apart) into the output grid (`outChannels` rows of samples·plane floats).
    /// `packed`: the weight as (outChannels / 8, channels, kh·kw, 8).
    func convolve(
        _ planes: UnsafePointer<Float>, stride: Int, channels: Int, packed: UnsafePointer<Float>,
        outChannels: Int, into grid: UnsafeMutablePointer<Float>, samples: Int
    ) {
        for n in 0..<samples {
            vk_conv_stride1(
                planes + n * plane, Int64(stride), Int64(channels), Int64(row), Int64(kernelH), Int64(kernelW), packed,
                Int64(outChannels), grid + n * plane, Int64(samples * plane), Int64(positions))
        }
    }

    /// Adds to `dWeight`, tap-major (kh·kw, outChannels, channels), the weight gradient of
    /// `convolve` over a chunk of `samples` samples: dY on the output grid (`outChannels` rows,
    /// `dyStride` apart, 0 wherever the output is not valid) and the input planes, sample by sample
    /// through `vk_conv_stride1_weight_gradient` (its 4-channel × 3-tap tiles beat one sgemm per
    /// tap, whose k runs over the positions and whose m and n are the few channels: 2× on the mini
    /// ResNets' 16-channel layers, 4× on the stem's 4 phase planes, with AVX2).
    func addWeightGradient(
        dy: UnsafePointer<Float>, dyStride: Int, outChannels: Int, planes: UnsafePointer<Float>, stride: Int, channels: Int,
        samples: Int, into dWeight: UnsafeMutablePointer<Float>
    ) {
        for n in 0..<samples {
            vk_conv_stride1_weight_gradient(
                dy + n * plane, Int64(dyStride), Int64(outChannels), planes + n * plane, Int64(stride), Int64(channels),
                Int64(row), Int64(kernelH), Int64(kernelW), Int64(positions), dWeight)
        }
    }

    /// Copies samples `samples` of source (N, channels, h, w) into zeroed planes, element (y, x) at
    /// (y + top)·row + x + left: channel c of the chunk's sample s at target + c·stride + s·plane.
    /// Everything else, the overrun included, is 0.
    func scatter(
        _ source: UnsafePointer<Float>, channels: Int, height h: Int, width w: Int, top: Int, left: Int,
        samples: Range<Int>, into target: UnsafeMutablePointer<Float>, stride: Int
    ) {
        for c in 0..<channels {
            for n in samples {
                let from = source + (n * channels + c) * h * w
                let to = target + c * stride + (n - samples.lowerBound) * plane
                // Zeros only between the copied rows: the border, and the plane's unused end.
                var filled = 0
                for y in 0..<h {
                    let start = (y + top) * row + left
                    (to + filled).update(repeating: 0, count: start - filled)
                    (to + start).update(from: from + y * w, count: w)
                    filled = start + w
                }
                (to + filled).update(repeating: 0, count: plane - filled)
            }
            (target + c * stride + samples.count * plane).update(repeating: 0, count: overrun)
        }
    }

    /// Writes (or adds, with `adding`) the valid positions, h rows of w, of the output grid
    /// (`channels` rows of samples·plane floats) into samples `samples` of dest (N, channels, h, w),
    /// plus shift[c] when given.
    func gather(
        _ grid: UnsafePointer<Float>, channels: Int, height h: Int, width w: Int, samples: Range<Int>,
        into dest: UnsafeMutablePointer<Float>, adding: Bool, shift: UnsafePointer<Float>?
    ) {
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
}

/// Each worker's partial weight and bias gradients of a direct convolution: dW tap-major
/// (kh·kw, outChannels, channels) as `PlaneGrid.addWeightGradient` sums it, then dB
/// (outChannels). `add` sums them in worker order (the same result on any thread count).
struct DirectGradients {
    let taps: Int
    let outChannels: Int
    let channels: Int
    private let partials: TensorStorage
    private var count: Int { outChannels * (taps * channels + 1) }

    init(grid: PlaneGrid, outChannels: Int, channels: Int, plan: ConvPlan) {
        (taps, self.outChannels, self.channels) = (grid.taps, outChannels, channels)
        partials = TensorStorage(count: plan.workers * outChannels * (grid.taps * channels + 1), repeating: 0)
    }

    /// Worker `worker`'s dW, tap-major.
    func weight(_ worker: Int) -> UnsafeMutablePointer<Float> { partials.base + worker * count }

    /// Worker `worker`'s dB.
    func bias(_ worker: Int) -> UnsafeMutablePointer<Float> { weight(worker) + taps * outChannels * channels }

    /// Adds every worker's sums into gw at `index(o, c, tap)` (nil: a tap outside the weight,
    /// whose sum is dropped) and into gb, each when given.
    func add(
        into gw: UnsafeMutablePointer<Float>?, bias gb: UnsafeMutablePointer<Float>?,
        index: (_ o: Int, _ c: Int, _ tap: Int) -> Int?
    ) {
        for worker in 0..<partials.count / count {
            if let gw {
                let dWeight = weight(worker)
                for tap in 0..<taps {
                    for o in 0..<outChannels {
                        for c in 0..<channels {
                            if let i = index(o, c, tap) { gw[i] += dWeight[(tap * outChannels + o) * channels + c] }
                        }
                    }
                }
            }
            if let gb {
                let dBias = bias(worker)
                for o in 0..<outChannels { gb[o] += dBias[o] }
            }
        }
    }
}
