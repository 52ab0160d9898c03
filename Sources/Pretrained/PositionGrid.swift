/// A transformer's positional embeddings over a patch grid, (rows, columns, width) row-major
/// (rows = frequency patches, columns = time patches, as AST flattens them), and the two ways AST
/// fits a pretrained grid to a new one, axis by axis: a centred cut where the new axis is not
/// longer, else bilinear resampling (PyTorch's `interpolate(mode="bilinear", align_corners=False)`).
struct PositionGrid: Equatable {
    var rows: Int
    var columns: Int
    var width: Int
    /// rows × columns × width values.
    var values: [Float]

    /// The grid fitted to `rows` × `columns`: time (columns) first, then frequency (rows), each
    /// cut around the centre when it does not grow (AST's `centre − new / 2` start, integer
    /// division), resampled otherwise.
    func fitted(rows newRows: Int, columns newColumns: Int) -> PositionGrid {
        var grid = self
        grid = newColumns <= grid.columns ? grid.cutColumns(newColumns) : grid.resampled(rows: grid.rows, columns: newColumns)
        grid = newRows <= grid.rows ? grid.cutRows(newRows) : grid.resampled(rows: newRows, columns: grid.columns)
        return grid
    }

    private func value(_ row: Int, _ column: Int, _ channel: Int) -> Float { values[(row * columns + column) * width + channel] }

    private func cutColumns(_ count: Int) -> PositionGrid {
        let start = columns / 2 - count / 2
        var out: [Float] = []
        out.reserveCapacity(rows * count * width)
        for row in 0..<rows { for column in start..<(start + count) { for c in 0..<width { out.append(value(row, column, c)) } } }
        return PositionGrid(rows: rows, columns: count, width: width, values: out)
    }

    private func cutRows(_ count: Int) -> PositionGrid {
        let start = rows / 2 - count / 2
        return PositionGrid(rows: count, columns: columns, width: width,
                            values: Array(values[(start * columns * width)..<((start + count) * columns * width)]))
    }

    /// Bilinear resampling with half-pixel centres: output index o reads input coordinate
    /// (o + ½) · in / out − ½, clamped at 0, between its two neighbours.
    private func resampled(rows newRows: Int, columns newColumns: Int) -> PositionGrid {
        func taps(_ count: Int, from source: Int) -> [(Int, Int, Float)] {
            (0..<count).map { o in
                let x = max(0, (Float(o) + 0.5) * Float(source) / Float(count) - 0.5)
                let lower = min(Int(x), source - 1)
                return (lower, min(lower + 1, source - 1), x - Float(lower))
            }
        }
        let rowTaps = taps(newRows, from: rows), columnTaps = taps(newColumns, from: columns)
        var out = [Float](repeating: 0, count: newRows * newColumns * width)
        for (r, (r0, r1, a)) in rowTaps.enumerated() {
            for (k, (c0, c1, b)) in columnTaps.enumerated() {
                for c in 0..<width {
                    let top = (1 - b) * value(r0, c0, c) + b * value(r0, c1, c)
                    let bottom = (1 - b) * value(r1, c0, c) + b * value(r1, c1, c)
                    out[(r * newColumns + k) * width + c] = (1 - a) * top + a * bottom
                }
            }
        }
        return PositionGrid(rows: newRows, columns: newColumns, width: width, values: out)
    }
}
