import Foundation

/// Each model's held-out scores as a dot plot: one row per model with every job's score as a dot,
/// the mean as a bar and its interval as a line with caps, the figures written at the right; the
/// score axis spans the data (not from 0), so differences of a few points stay visible.
enum ScoreDotPlot {
    /// One model's row: every finished job's score, their mean, and the interval drawn around it.
    struct Row {
        var model: String
        var scores: [Double]
        var mean: Double
        var low: Double
        var high: Double
    }

    /// `intervalName` says what low…high is ("corrected 95 % interval", "± 1 std").
    static func svg(_ rows: [Row], scoreName: String, intervalName: String, title: String) -> String {
        let (margin, titleFont, labelFont, rowHeight, plotWidth) = (12.0, 14.0, 12.0, 36.0, 380.0)
        let figures = rows.map { String(format: "%.3f [%.3f, %.3f]", $0.mean, $0.low, $0.high) }
        let values = rows.flatMap { $0.scores + [$0.low, $0.high, $0.mean] }.filter(\.isFinite)
        var scale = LinearScale(covering: values.min() ?? 0, values.max() ?? 1, ticks: 6, start: 0, end: plotWidth)
        // Scores in [0, 1] keep their axis there unless an interval reaches past it.
        if scale.low < 0, (values.min() ?? 0) >= 0 { scale = LinearScale(low: 0, high: scale.high, step: scale.step, start: 0, end: plotWidth) }
        if scale.high > 1, (values.max() ?? 0) <= 1 { scale = LinearScale(low: scale.low, high: 1, step: scale.step, start: 0, end: plotWidth) }

        let names = rows.map { TextMetrics.width($0.model, size: labelFont) }.max() ?? 0
        let overhang = ChartAxes.xLabelOverhang(scale.drawn(from: 0, to: plotWidth))
        let plotLeft = margin + max(names + 10, overhang.left)
        let figuresWidth = figures.map { TextMetrics.width($0, size: labelFont) }.max() ?? 0
        let contentRight = plotLeft + plotWidth + max(12 + figuresWidth, overhang.right) + margin
        let legend = ChartLegend(items: [(.marker(.circle, colour: "#888"), "one job (repeat × fold)"),
                                         (.line(colour: "#222", dash: nil), "mean"), (.interval(colour: "#222"), intervalName)])
        let width = max(contentRight, 2 * margin + TextMetrics.width(title, size: titleFont, bold: true), 2 * margin + legend.minimumWidth)
        let legendTop = margin + TextMetrics.lineHeight(titleFont) + 6
        let legendHeight = legend.height(within: width - 2 * margin)
        let plotTop = legendTop + legendHeight + 8
        let plotBottom = plotTop + rowHeight * Double(max(rows.count, 1))
        var canvas = SVGCanvas(width: width, height: plotBottom + ChartAxes.xAxisHeight(title: scoreName) + margin)
        canvas.text(title, x: margin, y: margin + TextMetrics.ascent(titleFont), size: titleFont, bold: true)
        legend.draw(&canvas, x: margin, y: legendTop, width: width - 2 * margin)

        let x = scale.drawn(from: plotLeft, to: plotLeft + plotWidth)
        ChartAxes.drawX(&canvas, x, y: plotBottom, title: scoreName, gridHeight: plotBottom - plotTop)
        let textShift = (TextMetrics.ascent(labelFont) - TextMetrics.descent(labelFont)) / 2
        for (i, row) in rows.enumerated() {
            let middle = plotTop + rowHeight * (Double(i) + 0.5)
            let colour = ChartPalette.colour(i)
            canvas.text(row.model, x: plotLeft - 10, y: middle + textShift, size: labelFont, anchor: .end)
            canvas.line(x(row.low), middle, x(row.high), middle, colour: "#222", width: 2)
            for end in [row.low, row.high] { canvas.line(x(end), middle - 6, x(end), middle + 6, colour: "#222", width: 2) }
            canvas.line(x(row.mean), middle - 11, x(row.mean), middle + 11, colour: "#222", width: 3)
            // Dots spread over five heights so that equal scores stay countable.
            for (j, score) in row.scores.enumerated() where score.isFinite {
                canvas.marker(.circle, x: x(score), y: middle + Double(j % 5 - 2) * 3.5, size: 8, fill: colour, opacity: 0.6)
            }
            canvas.text(figures[i], x: plotLeft + plotWidth + 12, y: middle + textShift, size: labelFont)
        }
        return canvas.svg
    }
}
