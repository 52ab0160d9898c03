import Foundation

/// Each class's F1 for every model on one chart: a row per class, F1 from 0 to 1 across, one
/// marker per model (its own colour and shape) and a grey line spanning the models' range, so the
/// classes a model gets wrong, and where the models disagree, stand out.
enum PerClassF1Chart {
    /// `models[m].f1[c]` is model m's F1 of `classes[c]` (nil where it has none).
    static func svg(classes: [String], models: [(name: String, f1: [Double?])], title: String) -> String {
        let (margin, titleFont, labelFont, rowHeight, plotWidth) = (12.0, 14.0, 12.0, 22.0, 420.0)
        let names = classes.map { TextMetrics.width($0, size: labelFont) }.max() ?? 0
        let scale = LinearScale(low: 0, high: 1, step: 0.2, start: 0, end: plotWidth)
        let overhang = ChartAxes.xLabelOverhang(scale)
        let plotLeft = margin + max(names + 10, overhang.left)
        let legend = ChartLegend(items: models.enumerated().map { (.marker(ChartPalette.shape($0.offset), colour: ChartPalette.colour($0.offset)), $0.element.name) })
        let contentRight = plotLeft + plotWidth + overhang.right + 8 + margin
        let width = max(contentRight, 2 * margin + TextMetrics.width(title, size: titleFont, bold: true), 2 * margin + legend.minimumWidth)
        let legendTop = margin + TextMetrics.lineHeight(titleFont) + 6
        let plotTop = legendTop + legend.height(within: width - 2 * margin) + 8
        let plotBottom = plotTop + rowHeight * Double(max(classes.count, 1))
        var canvas = SVGCanvas(width: width, height: plotBottom + ChartAxes.xAxisHeight(title: "F1 on the held-out folds") + margin)
        canvas.text(title, x: margin, y: margin + TextMetrics.ascent(titleFont), size: titleFont, bold: true)
        legend.draw(&canvas, x: margin, y: legendTop, width: width - 2 * margin)

        for c in classes.indices where c % 2 == 1 {
            canvas.rect(x: plotLeft, y: plotTop + rowHeight * Double(c), width: plotWidth, height: rowHeight, fill: "#f4f4f4")
        }
        let x = scale.drawn(from: plotLeft, to: plotLeft + plotWidth)
        ChartAxes.drawX(&canvas, x, y: plotBottom, title: "F1 on the held-out folds", gridHeight: plotBottom - plotTop)
        let textShift = (TextMetrics.ascent(labelFont) - TextMetrics.descent(labelFont)) / 2
        for (c, name) in classes.enumerated() {
            let middle = plotTop + rowHeight * (Double(c) + 0.5)
            canvas.text(name, x: plotLeft - 10, y: middle + textShift, size: labelFont, anchor: .end)
            let values = models.compactMap { c < $0.f1.count ? $0.f1[c] : nil }.filter(\.isFinite)
            if let low = values.min(), let high = values.max(), high > low {
                canvas.line(x(low), middle, x(high), middle, colour: "#bbb", width: 3)
            }
            for (m, model) in models.enumerated() {
                guard c < model.f1.count, let f1 = model.f1[c], f1.isFinite else { continue }
                canvas.marker(ChartPalette.shape(m), x: x(f1), y: middle, size: 10, fill: ChartPalette.colour(m), opacity: 0.85)
            }
        }
        return canvas.svg
    }
}
