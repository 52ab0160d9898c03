/// How two shapes broadcast together (NumPy/PyTorch rules), reduced to the fewest axes: the
/// output is walked as rows of `rowLength` contiguous elements, and each operand either steps
/// through a row (stride 1) or repeats one element along it (stride 0).
struct BroadcastPlan {
    let outputShape: [Int]
    let rowLength: Int
    let rowCount: Int
    /// Per operand: stride 1 or 0 along a row.
    let aRowStride: Int
    let bRowStride: Int
    /// Outer (collapsed) axes above the row: their extents and each operand's strides.
    private let outerExtents: [Int]
    private let aOuterStrides: [Int]
    private let bOuterStrides: [Int]

    init(op: String, _ a: [Int], _ b: [Int]) throws {
        let rank = Swift.max(a.count, b.count)
        let aPadded = [Int](repeating: 1, count: rank - a.count) + a
        let bPadded = [Int](repeating: 1, count: rank - b.count) + b
        var output = [Int](repeating: 1, count: rank)
        for axis in 0..<rank {
            let (x, y) = (aPadded[axis], bPadded[axis])
            guard x == y || x == 1 || y == 1 else {
                throw TensorError.shapes(op, a, b, "axis \(axis - rank) has \(x) and \(y), which do not broadcast")
            }
            output[axis] = x == 1 ? y : x
        }
        outputShape = output
        // Element strides of each operand over the output's axes (0 where it is broadcast).
        let aContiguous = Shape.strides(aPadded), bContiguous = Shape.strides(bPadded)
        var extents: [Int] = [], aStrides: [Int] = [], bStrides: [Int] = []
        for axis in 0..<rank where output[axis] != 1 {
            let sa = aPadded[axis] == 1 ? 0 : aContiguous[axis]
            let sb = bPadded[axis] == 1 ? 0 : bContiguous[axis]
            if let last = extents.last,
               aStrides.last! == sa * output[axis], bStrides.last! == sb * output[axis] {
                extents[extents.count - 1] = last * output[axis]
                aStrides[aStrides.count - 1] = sa
                bStrides[bStrides.count - 1] = sb
            } else {
                extents.append(output[axis])
                aStrides.append(sa)
                bStrides.append(sb)
            }
        }
        rowLength = extents.popLast() ?? 1
        aRowStride = aStrides.popLast() ?? 1
        bRowStride = bStrides.popLast() ?? 1
        outerExtents = extents
        aOuterStrides = aStrides
        bOuterStrides = bStrides
        rowCount = Shape.count(extents)
    }

    /// Whether no two rows touch the same elements of operand a (or b): it is repeated along a
    /// row at most, so per-row writes into its gradient never collide and can run in parallel
    /// (a full operand, or one such as (B, C, 1, 1) against (B, C, H, W)).
    var aRowsDistinct: Bool { !aOuterStrides.contains(0) }
    var bRowsDistinct: Bool { !bOuterStrides.contains(0) }

    /// Calls `body(outputOffset, aOffset, bOffset)` for each row in `rows`.
    @inline(__always)
    func forEachRow(in rows: Range<Int>, _ body: (Int, Int, Int) -> Void) {
        for row in rows {
            var rest = row, aOffset = 0, bOffset = 0
            for axis in stride(from: outerExtents.count - 1, through: 0, by: -1) {
                let index = rest % outerExtents[axis]
                rest /= outerExtents[axis]
                aOffset += index * aOuterStrides[axis]
                bOffset += index * bOuterStrides[axis]
            }
            body(row * rowLength, aOffset, bOffset)
        }
    }

    /// Rows per parallel chunk so that each chunk covers about `elementwiseGrain` elements.
    var rowGrain: Int { ComputeThreads.grain(itemSize: rowLength) }
}
