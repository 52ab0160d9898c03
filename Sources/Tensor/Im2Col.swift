/// The geometry of a 2-d convolution or pooling window over (N, C, H, W) input.
struct ConvGeometry {
    let batch, channels, height, width: Int
    let kernelH, kernelW, strideH, strideW, padH, padW: Int

    var outHeight: Int { (height + 2 * padH - kernelH) / strideH + 1 }
    var outWidth: Int { (width + 2 * padW - kernelW) / strideW + 1 }
    /// Output positions per sample and channel.
    var positions: Int { outHeight * outWidth }
    /// Rows of the column matrix: one per (channel, kernel row, kernel column).
    var patchSize: Int { channels * kernelH * kernelW }
    /// Whether the output rows are as wide as the input's (stride 1, padding (kw − 1) / 2): each
    /// column-matrix row of a sample is then the plane shifted (see `unfoldShifted`).
    var keepsWidth: Bool { strideH == 1 && strideW == 1 && outWidth == width }

    /// The output columns ox whose input column ox·stride − pad + kj lies inside the image.
    @inline(__always)
    func validColumns(kj: Int) -> Range<Int> {
        let lo = Swift.max(0, (padW - kj + strideW - 1) / strideW)
        let hi = Swift.min(outWidth, (width + padW - kj + strideW - 1) / strideW)
        return lo..<Swift.max(lo, hi)
    }
}

/// Unfolds samples `samples` of (N, C, H, W) input into the column matrix (C·kh·kw, S·P), with
/// S samples and P = Ho·Wo: row (c, ki, kj), column (n, oy, ox) holds
/// x[n, c, oy·s − p + ki, ox·s − p + kj], or 0 in the padding. With `parallel`, rows are split
/// over the loop threads.
func im2col(_ x: UnsafePointer<Float>, _ g: ConvGeometry, samples: Range<Int>,
            into col: UnsafeMutablePointer<Float>, parallel: Bool) {
    let (p, columns, kk) = (g.positions, samples.count * g.positions, g.kernelH * g.kernelW)
    let grain = parallel ? ComputeThreads.grain(itemSize: columns) : Int.max
    ComputeThreads.parallelFor(g.patchSize, grain: grain) { rows in
        for r in rows {
            let (c, ki, kj) = (r / kk, (r % kk) / g.kernelW, r % g.kernelW)
            for n in samples {
                let plane = x + (n * g.channels + c) * g.height * g.width
                let target = col + r * columns + (n - samples.lowerBound) * p
                if g.keepsWidth {
                    unfoldShifted(plane, g, ki: ki, kj: kj, into: target)
                } else {
                    unfoldGathered(plane, g, ki: ki, kj: kj, into: target)
                }
            }
        }
    }
}

/// One plane's (Ho, Wo) block of column-matrix row (·, ki, kj), for a stride-1 convolution that
/// keeps the width (Wo = W): the block is the plane shifted by ki − padH rows and kj − padW
/// columns, so one contiguous copy fills it; then the entries that fell into the left or right
/// padding (the copy put the neighbouring row's values there) and the rows in the top or bottom
/// padding are set to 0.
@inline(__always)
private func unfoldShifted(_ plane: UnsafePointer<Float>, _ g: ConvGeometry, ki: Int, kj: Int, into target: UnsafeMutablePointer<Float>) {
    let (h, w, oh) = (g.height, g.width, g.outHeight)
    let (dy, dx) = (ki - g.padH, kj - g.padW)
    // Output rows whose input row lies inside the image (none when the padding exceeds it).
    let top = Swift.min(Swift.max(0, -dy), oh)
    let rowsInside = top..<Swift.max(top, Swift.min(oh, h - dy))
    target.update(repeating: 0, count: rowsInside.lowerBound * w)
    (target + rowsInside.upperBound * w).update(repeating: 0, count: (oh - rowsInside.upperBound) * w)
    // Output index t reads input index t + shift; the copy stays inside the plane, the entries it
    // leaves out at either end being padding columns.
    let shift = dy * w + dx
    let first = Swift.max(rowsInside.lowerBound * w, -shift), last = Swift.min(rowsInside.upperBound * w, h * w - shift)
    if last > first { (target + first).update(from: plane + first + shift, count: last - first) }
    let valid = g.validColumns(kj: kj)
    let left = Swift.min(valid.lowerBound, w), right = Swift.max(Swift.min(valid.upperBound, w), left)
    for oy in rowsInside {
        let row = target + oy * w
        for ox in 0..<left { row[ox] = 0 }
        for ox in right..<w { row[ox] = 0 }
    }
}

/// One plane's (Ho, Wo) block of column-matrix row (·, ki, kj), output row by output row.
@inline(__always)
private func unfoldGathered(_ plane: UnsafePointer<Float>, _ g: ConvGeometry, ki: Int, kj: Int, into block: UnsafeMutablePointer<Float>) {
    let valid = g.validColumns(kj: kj)
    var target = block
    for oy in 0..<g.outHeight {
        let iy = oy * g.strideH - g.padH + ki
        if iy < 0 || iy >= g.height || valid.isEmpty {
            target.update(repeating: 0, count: g.outWidth)
        } else {
            let source = plane + iy * g.width - g.padW + kj
            for ox in 0..<valid.lowerBound { target[ox] = 0 }
            if g.strideW == 1 {
                (target + valid.lowerBound).update(from: source + valid.lowerBound, count: valid.count)
            } else {
                for ox in valid { target[ox] = source[ox * g.strideW] }
            }
            for ox in valid.upperBound..<g.outWidth { target[ox] = 0 }
        }
        target += g.outWidth
    }
}

/// The adjoint of `im2col`: adds each column-matrix entry back onto the input element it was
/// read from. With `parallel`, split over input channels, which no two threads share.
func col2im(_ col: UnsafePointer<Float>, _ g: ConvGeometry, samples: Range<Int>,
            addingInto x: UnsafeMutablePointer<Float>, parallel: Bool) {
    let (p, columns, kk) = (g.positions, samples.count * g.positions, g.kernelH * g.kernelW)
    ComputeThreads.parallelFor(g.channels, grain: parallel ? 1 : Int.max) { channels in
        for c in channels {
            for ki in 0..<g.kernelH {
                for kj in 0..<g.kernelW {
                    let valid = g.validColumns(kj: kj)
                    let row = col + (c * kk + ki * g.kernelW + kj) * columns
                    for n in samples {
                        let plane = x + (n * g.channels + c) * g.height * g.width
                        for oy in 0..<g.outHeight {
                            let iy = oy * g.strideH - g.padH + ki
                            guard iy >= 0, iy < g.height else { continue }
                            let target = plane + iy * g.width - g.padW + kj
                            let source = row + (n - samples.lowerBound) * p + oy * g.outWidth
                            if g.strideW == 1 {
                                for ox in valid { target[ox] += source[ox] }  // vectorises
                            } else {
                                for ox in valid { target[ox * g.strideW] += source[ox] }
                            }
                        }
                    }
                }
            }
        }
    }
}
