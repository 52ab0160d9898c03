import VectorKernels

/// Max and average pooling over (N, C, H, W), with fixed windows (kernel, stride, padding) or
/// adaptive ones (output size given; window i covers ⌊i·In/Out⌋ ..< ⌈(i+1)·In/Out⌉ as in PyTorch).
/// Planes (n, c) are independent and split over threads.
extension Tensor {
    public func maxPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) throws -> Tensor {
        let windows = try PoolWindows.fixed(op: "max_pool2d", shape, kernel, stride ?? kernel, padding)
        return pool("max_pool2d", windows, average: false, divisor: nil)
    }

    /// Average pooling; padding counts towards the divisor (PyTorch's count_include_pad=True).
    public func avgPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) throws -> Tensor {
        let windows = try PoolWindows.fixed(op: "avg_pool2d", shape, kernel, stride ?? kernel, padding)
        return pool("avg_pool2d", windows, average: true, divisor: Float(kernel.0 * kernel.1))
    }

    public func adaptiveAvgPool2d(_ size: (Int, Int)) throws -> Tensor {
        pool("adaptive_avg_pool2d", try PoolWindows.adaptive(op: "adaptive_avg_pool2d", shape, size), average: true, divisor: nil)
    }

    public func adaptiveMaxPool2d(_ size: (Int, Int)) throws -> Tensor {
        pool("adaptive_max_pool2d", try PoolWindows.adaptive(op: "adaptive_max_pool2d", shape, size), average: false, divisor: nil)
    }

    /// Pools every plane over `windows`: the maximum (remembering where it was, the first on ties;
    /// fixed windows through `vk_max_pool_plane`) or the mean over `divisor` (nil: the window's
    /// own size).
    private func pool(_ op: String, _ windows: PoolWindows, average: Bool, divisor: Float?) -> Tensor {
        let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        let (oh, ow) = (windows.rows.count, windows.columns.count)
        let out = TensorStorage(count: planes * oh * ow)
        var argmax = average ? [] : [Int32](repeating: 0, count: planes * oh * ow)
        let (x, y) = (storage.base, out.base)
        // Window bounds as plain integers, so the loops below compile to tight code.
        let (rowStart, rowEnd) = (windows.rows.map(\.lowerBound), windows.rows.map(\.upperBound))
        let (columnStart, columnEnd) = (windows.columns.map(\.lowerBound), windows.columns.map(\.upperBound))
        // One window over the whole plane (global pooling, as the channel attention's).
        let global = oh == 1 && ow == 1 && rowStart[0] == 0 && rowEnd[0] == h && columnStart[0] == 0 && columnEnd[0] == w
        argmax.withUnsafeMutableBufferPointer { argmax in
            let argmax = argmax.baseAddress
            ComputeThreads.parallelFor(planes, grain: Swift.max(1, ComputeThreads.elementwiseGrain / Swift.max(h * w, 1))) { range in
                // Local copies, so the loops do not reload captured values after every store.
                let (x, y, argmax) = (x, y, argmax)
                let (rowStart, rowEnd, columnStart, columnEnd) = (rowStart, rowEnd, columnStart, columnEnd)
                for plane in range {
                    let source = x + plane * h * w
                    if global {
                        if average {
                            y[plane] = VectorSums.sum(source, h * w) / (divisor ?? Float(h * w))
                        } else {
                            let (value, index) = VectorSums.firstMax(source, h * w)
                            y[plane] = value
                            argmax![plane] = Int32(index)
                        }
                        continue
                    }
                    if !average, let fixed = windows.fixed {
                        vk_max_pool_plane(source, Int64(h), Int64(w), Int64(fixed.kernel.0), Int64(fixed.kernel.1),
                                          Int64(fixed.stride.0), Int64(fixed.stride.1), Int64(fixed.padding.0), Int64(fixed.padding.1),
                                          Int64(oh), Int64(ow), y + plane * oh * ow, argmax! + plane * oh * ow)
                        continue
                    }
                    for i in 0..<oh {
                        let (r0, r1) = (rowStart[i], rowEnd[i])
                        let o = (plane * oh + i) * ow
                        for j in 0..<ow {
                            let (c0, c1) = (columnStart[j], columnEnd[j])
                            if !average {
                                // Selects rather than branches: which element wins is unpredictable.
                                var best = -Float.infinity, at = r0 * w + c0
                                for r in r0..<r1 {
                                    for c in c0..<c1 {
                                        let value = source[r * w + c], wins = value > best
                                        best = wins ? value : best
                                        at = wins ? r * w + c : at
                                    }
                                }
                                y[o + j] = best
                                argmax![o + j] = Int32(at)
                            } else {
                                var total: Float = 0
                                for r in r0..<r1 { for c in c0..<c1 { total += source[r * w + c] } }
                                y[o + j] = total / (divisor ?? Float((r1 - r0) * (c1 - c0)))
                            }
                        }
                    }
                }
            }
        }
        let outShape = [shape[0], shape[1], oh, ow]
        return Tensor.result(op, shape: outShape, storage: out, inputs: [self]) {
            { g in
                Tensor.poolBackward(dOut: g, windows: windows, average: average, divisor: divisor, argmax: argmax,
                                    planes: planes, height: h, width: w, dX: self.gradAccumulator())
            }
        }
    }

    /// Pooling's backward: adds to dX (planes, H, W) from dOut (planes, Ho, Wo), Ho × Wo being
    /// `windows`' rows × columns. Average: each output's gradient spread evenly over its window
    /// (÷ `divisor`, nil: the window's size). Max: all of it to the input the forward chose
    /// (`argmax`, a flat index within the plane per output).
    static func poolBackward(dOut g: UnsafePointer<Float>, windows: PoolWindows, average: Bool, divisor: Float?, argmax: [Int32],
                             planes: Int, height h: Int, width w: Int, dX gx: UnsafeMutablePointer<Float>) {
        let (oh, ow) = (windows.rows.count, windows.columns.count)
        ComputeThreads.parallelFor(planes, grain: Swift.max(1, ComputeThreads.elementwiseGrain / Swift.max(h * w, 1))) { range in
            for plane in range {
                let target = gx + plane * h * w
                for (i, rows) in windows.rows.enumerated() {
                    for (j, columns) in windows.columns.enumerated() {
                        let o = (plane * oh + i) * ow + j
                        if average {
                            let share = g[o] / (divisor ?? Float(rows.count * columns.count))
                            for r in rows { for c in columns { target[r * w + c] += share } }
                        } else {
                            target[Int(argmax[o])] += g[o]
                        }
                    }
                }
            }
        }
    }
}

/// The input rows and columns each output row and column of a pooling reads, clipped to the image.
struct PoolWindows {
    let rows: [Range<Int>]
    let columns: [Range<Int>]
    /// The kernel, stride and padding of fixed windows; nil for adaptive ones.
    var fixed: (kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int))? = nil

    static func fixed(op: String, _ shape: [Int], _ kernel: (Int, Int), _ stride: (Int, Int), _ padding: (Int, Int)) throws -> PoolWindows {
        guard shape.count == 4 else { throw TensorError(op: op, "input must be (N, C, H, W), got \(shape)") }
        guard kernel.0 > 0, kernel.1 > 0, stride.0 > 0, stride.1 > 0,
              padding.0 >= 0, padding.1 >= 0, padding.0 * 2 <= kernel.0, padding.1 * 2 <= kernel.1 else {
            throw TensorError(op: op, "kernel \(kernel), stride \(stride), padding \(padding) are invalid (padding at most half the kernel)")
        }
        func axis(_ size: Int, _ k: Int, _ s: Int, _ p: Int) throws -> [Range<Int>] {
            let count = (size + 2 * p - k) / s + 1
            guard size + 2 * p >= k, count > 0 else {
                throw TensorError(op: op, "kernel \(kernel) does not fit input \(shape) with padding \(padding)")
            }
            return (0..<count).map { i in Swift.max(0, i * s - p)..<Swift.min(size, i * s - p + k) }
        }
        return PoolWindows(rows: try axis(shape[2], kernel.0, stride.0, padding.0),
                           columns: try axis(shape[3], kernel.1, stride.1, padding.1), fixed: (kernel, stride, padding))
    }

    static func adaptive(op: String, _ shape: [Int], _ size: (Int, Int)) throws -> PoolWindows {
        guard shape.count == 4, size.0 > 0, size.1 > 0 else {
            throw TensorError(op: op, "input must be (N, C, H, W) and the output size positive, got \(shape) → \(size)")
        }
        func axis(_ input: Int, _ output: Int) -> [Range<Int>] {
            (0..<output).map { i in (i * input / output)..<(((i + 1) * input + output - 1) / output) }
        }
        return PoolWindows(rows: axis(shape[2], size.0), columns: axis(shape[3], size.1))
    }
}
