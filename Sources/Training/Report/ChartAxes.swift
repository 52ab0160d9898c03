import Foundation

/// Axes around a plot area (ticks, tick labels, light grid lines, axis titles) and what they take
/// up beside it, in px; tick labels 11 px, axis titles 12 px.
enum ChartAxes {
    static let tickFont = 11.0
    static let titleFont = 12.0
    static let tickLength = 5.0
    static let gap = 4.0
    /// How far a tick label reaches above or below its tick on a y axis.
    static var tickLabelHalfHeight: Double { TextMetrics.lineHeight(tickFont) / 2 }

    /// The width a y axis takes beside the plot: ticks, their widest label and the rotated title.
    static func yAxisWidth(_ scale: LinearScale, title: String?) -> Double {
        let labels = scale.ticks.map { TextMetrics.width(scale.label($0), size: tickFont) }.max() ?? 0
        return tickLength + gap + labels + (title == nil ? 0 : gap + TextMetrics.lineHeight(titleFont))
    }

    /// The height an x axis takes below the plot: ticks, labels and title.
    static func xAxisHeight(title: String?) -> Double {
        tickLength + gap + TextMetrics.lineHeight(tickFont) + (title == nil ? 0 : gap + TextMetrics.lineHeight(titleFont))
    }

    /// How far the x axis' first and last tick labels reach past the plot's left and right edges.
    static func xLabelOverhang(_ scale: LinearScale) -> (left: Double, right: Double) {
        let ticks = scale.ticks
        func reach(_ tick: Double?, _ edge: Double) -> Double {
            guard let tick else { return 0 }
            return max(0, TextMetrics.width(scale.label(tick), size: tickFont) / 2 - abs(scale(tick) - edge))
        }
        return (reach(ticks.first, min(scale.start, scale.end)), reach(ticks.last, max(scale.start, scale.end)))
    }

    /// A y axis on the plot's left edge `x` (or right edge, `onRight`), with grid lines across
    /// `gridWidth` px of the plot when given.
    static func drawY(_ canvas: inout SVGCanvas, _ scale: LinearScale, x: Double, title: String?, onRight: Bool = false,
                      gridWidth: Double? = nil, colour: String = "#444") {
        let direction = onRight ? 1.0 : -1.0
        canvas.line(x, scale.start, x, scale.end, colour: colour)
        var widest = 0.0
        for tick in scale.ticks {
            let y = scale(tick)
            if let gridWidth { canvas.line(x, y, x + gridWidth, y, colour: "#e6e6e6") }
            canvas.line(x, y, x + direction * tickLength, y, colour: colour)
            let label = scale.label(tick)
            widest = max(widest, TextMetrics.width(label, size: tickFont))
            canvas.text(label, x: x + direction * (tickLength + gap), y: y + (TextMetrics.ascent(tickFont) - TextMetrics.descent(tickFont)) / 2,
                        size: tickFont, anchor: onRight ? .start : .end, colour: colour)
        }
        guard let title else { return }
        // Turned a quarter (anticlockwise on the left, clockwise on the right), the title's
        // descent faces the tick labels either way.
        let baseline = x + direction * (tickLength + 2 * gap + widest + TextMetrics.descent(titleFont))
        let rotation = onRight ? 90.0 : -90.0
        canvas.text(title, x: baseline, y: (scale.start + scale.end) / 2, size: titleFont, anchor: .middle, colour: colour, rotation: rotation)
    }

    /// An x axis along the plot's bottom edge `y`, with grid lines up `gridHeight` px when given.
    static func drawX(_ canvas: inout SVGCanvas, _ scale: LinearScale, y: Double, title: String?, gridHeight: Double? = nil) {
        canvas.line(scale.start, y, scale.end, y, colour: "#444")
        for tick in scale.ticks {
            let x = scale(tick)
            if let gridHeight { canvas.line(x, y, x, y - gridHeight, colour: "#e6e6e6") }
            canvas.line(x, y, x, y + tickLength, colour: "#444")
            canvas.text(scale.label(tick), x: x, y: y + tickLength + gap + TextMetrics.ascent(tickFont), size: tickFont, anchor: .middle, colour: "#444")
        }
        guard let title else { return }
        let baseline = y + tickLength + gap + TextMetrics.lineHeight(tickFont) + gap + TextMetrics.ascent(titleFont)
        canvas.text(title, x: (scale.start + scale.end) / 2, y: baseline, size: titleFont, anchor: .middle)
    }
}

/// A chart's key: one symbol and label per item, laid out left to right and wrapped into rows
/// no wider than a given width; labels 12 px.
struct ChartLegend {
    enum Symbol {
        case line(colour: String, dash: String?)
        case marker(MarkerShape, colour: String)
        /// A horizontal interval with end caps and a mean mark.
        case interval(colour: String)
    }

    static let font = 12.0
    static let symbolWidth = 26.0
    static let itemGap = 18.0
    static var rowHeight: Double { TextMetrics.lineHeight(font) + 4 }

    var items: [(symbol: Symbol, label: String)]

    private func itemWidth(_ label: String) -> Double { Self.symbolWidth + 6 + TextMetrics.width(label, size: Self.font) }

    /// The widest single item (the narrowest the legend can be).
    var minimumWidth: Double { items.map { itemWidth($0.label) }.max() ?? 0 }

    /// The items' rows within `width` px, each row its item indices.
    private func rows(within width: Double) -> [[Int]] {
        var rows: [[Int]] = [], used = 0.0
        for (i, item) in items.enumerated() {
            let w = itemWidth(item.label)
            if rows.isEmpty || used + Self.itemGap + w > width {
                rows.append([i])
                used = w
            } else {
                rows[rows.count - 1].append(i)
                used += Self.itemGap + w
            }
        }
        return rows
    }

    func height(within width: Double) -> Double { Double(rows(within: width).count) * Self.rowHeight }

    /// Draws the legend with its top-left corner at (x, y), wrapped within `width`.
    func draw(_ canvas: inout SVGCanvas, x: Double, y: Double, width: Double) {
        for (r, row) in rows(within: width).enumerated() {
            var left = x
            let middle = y + Double(r) * Self.rowHeight + Self.rowHeight / 2
            for i in row {
                let (symbol, label) = items[i]
                switch symbol {
                case .line(let colour, let dash):
                    canvas.line(left, middle, left + Self.symbolWidth, middle, colour: colour, width: 2, dash: dash)
                case .marker(let shape, let colour):
                    canvas.marker(shape, x: left + Self.symbolWidth / 2, y: middle, size: 9, fill: colour)
                case .interval(let colour):
                    canvas.line(left + 2, middle, left + Self.symbolWidth - 2, middle, colour: colour, width: 2)
                    canvas.line(left + 2, middle - 4, left + 2, middle + 4, colour: colour, width: 2)
                    canvas.line(left + Self.symbolWidth - 2, middle - 4, left + Self.symbolWidth - 2, middle + 4, colour: colour, width: 2)
                }
                canvas.text(label, x: left + Self.symbolWidth + 6, y: middle + (TextMetrics.ascent(Self.font) - TextMetrics.descent(Self.font)) / 2 - 1,
                            size: Self.font)
                left += itemWidth(label) + Self.itemGap
            }
        }
    }
}
