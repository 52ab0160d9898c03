import Foundation
import RunRecords

/// One job's training curves as two panels side by side: the loss, and the accuracy with the
/// learning rate on its own axis at the right. Epochs (1-based, as MLflow's steps) along both x
/// axes; the fit part's curves solid, the selection part's dashed; the chosen epoch (whose
/// weights were scored) a vertical line in both panels.
enum TrainingCurvesChart {
    static let fitColour = ChartPalette.colour(0)
    static let selectionColour = ChartPalette.colour(1)
    static let learningRateColour = "#777"
    static let selectionDash = "7 4"
    static let learningRateDash = "2 3"
    static let chosenDash = "4 3"

    /// The SVG of `history` (0-based `epoch`s) with `chosenEpoch` (0-based) marked when given.
    static func svg(history: [EpochRecord], chosenEpoch: Int?, title: String) -> String {
        let (margin, plotWidth, panelGap, titleFont) = (12.0, 250.0, 18.0, 14.0)
        let hasSelection = history.contains { $0.valLoss != nil }
        let losses = (history.map(\.trainLoss) + history.compactMap(\.valLoss)).filter(\.isFinite)
        let accuracies = (history.map(\.trainAccuracy) + history.compactMap(\.valAccuracy)).filter(\.isFinite)
        let rates = history.map(\.learningRate).filter(\.isFinite)
        let titles = (loss: "loss", accuracy: "accuracy", rate: "learning rate")
        let plotHeight = max(170, TextMetrics.width(titles.rate, size: ChartAxes.titleFont) + 20)

        let plotTop = margin + TextMetrics.lineHeight(titleFont) + 8 + ChartAxes.tickLabelHalfHeight
        let plotBottom = plotTop + plotHeight
        let loss = LinearScale(covering: losses.min() ?? 0, losses.max() ?? 1, start: plotBottom, end: plotTop)
        var accuracy = LinearScale(covering: accuracies.min() ?? 0, accuracies.max() ?? 1, start: plotBottom, end: plotTop)
        accuracy = LinearScale(low: max(0, accuracy.low), high: min(1, accuracy.high), step: accuracy.step, start: plotBottom, end: plotTop)
        let rate = LinearScale(covering: 0, rates.max() ?? 1, start: plotBottom, end: plotTop)

        let epochCount = max(history.count, 2)
        let probe = epochAxis(epochCount, start: 0, end: plotWidth)
        let overhang = ChartAxes.xLabelOverhang(probe)
        let left1 = margin + max(ChartAxes.yAxisWidth(loss, title: titles.loss), overhang.left)
        let left2 = left1 + plotWidth + max(panelGap, overhang.right + 8) + ChartAxes.yAxisWidth(accuracy, title: titles.accuracy)
        let contentRight = left2 + plotWidth + max(ChartAxes.yAxisWidth(rate, title: titles.rate), overhang.right) + margin

        var legend = ChartLegend(items: [(.line(colour: fitColour, dash: nil), "fit part")])
        if hasSelection { legend.items.append((.line(colour: selectionColour, dash: selectionDash), "selection part")) }
        legend.items.append((.line(colour: learningRateColour, dash: learningRateDash), "learning rate (right axis)"))
        if let chosenEpoch { legend.items.append((.line(colour: "#222", dash: chosenDash), "chosen epoch (\(chosenEpoch + 1))")) }

        let width = max(contentRight, 2 * margin + TextMetrics.width(title, size: titleFont, bold: true), 2 * margin + legend.minimumWidth)
        let legendTop = plotBottom + ChartAxes.xAxisHeight(title: "epoch") + 10
        let legendHeight = legend.height(within: width - 2 * margin)
        var canvas = SVGCanvas(width: width, height: legendTop + legendHeight + margin)
        canvas.text(title, x: margin, y: margin + TextMetrics.ascent(titleFont), size: titleFont, bold: true)

        let x1 = epochAxis(epochCount, start: left1, end: left1 + plotWidth), x2 = epochAxis(epochCount, start: left2, end: left2 + plotWidth)
        ChartAxes.drawY(&canvas, loss, x: left1, title: titles.loss, gridWidth: plotWidth)
        ChartAxes.drawY(&canvas, accuracy, x: left2, title: titles.accuracy, gridWidth: plotWidth)
        ChartAxes.drawY(&canvas, rate, x: left2 + plotWidth, title: titles.rate, onRight: true, colour: learningRateColour)
        ChartAxes.drawX(&canvas, x1, y: plotBottom, title: "epoch", gridHeight: plotHeight)
        ChartAxes.drawX(&canvas, x2, y: plotBottom, title: "epoch", gridHeight: plotHeight)

        let epochs = history.map { Double($0.epoch + 1) }
        draw(&canvas, epochs, history.map(\.learningRate), x: x2, y: rate, colour: learningRateColour, dash: learningRateDash, width: 1.5)
        draw(&canvas, epochs, history.map(\.trainLoss), x: x1, y: loss, colour: fitColour, dash: nil)
        draw(&canvas, epochs, history.map(\.trainAccuracy), x: x2, y: accuracy, colour: fitColour, dash: nil)
        if hasSelection {
            draw(&canvas, epochs, history.map { $0.valLoss ?? .nan }, x: x1, y: loss, colour: selectionColour, dash: selectionDash)
            draw(&canvas, epochs, history.map { $0.valAccuracy ?? .nan }, x: x2, y: accuracy, colour: selectionColour, dash: selectionDash)
        }
        if let chosenEpoch {
            for x in [x1, x2] {
                let at = x(Double(chosenEpoch + 1))
                canvas.line(at, plotTop, at, plotBottom, colour: "#222", width: 1.2, dash: chosenDash)
            }
            if let record = history.first(where: { $0.epoch == chosenEpoch }), let selectionLoss = record.valLoss, selectionLoss.isFinite {
                canvas.marker(.circle, x: x1(Double(chosenEpoch + 1)), y: loss(selectionLoss), size: 8, fill: selectionColour)
            }
        }
        legend.draw(&canvas, x: margin, y: legendTop, width: width - 2 * margin)
        return canvas.svg
    }

    /// Epochs 1…count between the px `start` and `end`, ticks a whole number of epochs apart.
    private static func epochAxis(_ count: Int, start: Double, end: Double) -> LinearScale {
        var step = max(1, LinearScale.step(span: Double(count - 1), ticks: 6))
        if step != step.rounded() { step = (step * 2).rounded() }
        return LinearScale(low: 1, high: Double(count), step: step, start: start, end: end)
    }

    /// A series as lines between its finite values (a dot where one stands alone).
    private static func draw(_ canvas: inout SVGCanvas, _ epochs: [Double], _ values: [Double], x: LinearScale, y: LinearScale,
                             colour: String, dash: String?, width: Double = 2) {
        var runs: [[(x: Double, y: Double)]] = [[]]
        for (epoch, value) in zip(epochs, values) {
            if value.isFinite { runs[runs.count - 1].append((x(epoch), y(value))) } else if !runs[runs.count - 1].isEmpty { runs.append([]) }
        }
        for run in runs {
            if run.count == 1 { canvas.marker(.circle, x: run[0].x, y: run[0].y, size: 6, fill: colour) }
            canvas.polyline(run, colour: colour, width: width, dash: dash)
        }
    }
}
