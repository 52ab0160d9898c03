import Foundation

/// What each cell of a confusion matrix chart shows: its share of the row (the true class) with
/// the count beneath, or the count alone.
public enum ConfusionCells: String, CaseIterable, Sendable {
    case shares, counts
}

/// A confusion matrix (rows the true class, columns the predicted one) as a grid of cells shaded
/// by their share of the row, so recall reads off the diagonal; the cells' figures as `cells`
/// says. Cells grow to fit their figures; column labels turn vertical when wider than a cell.
enum ConfusionMatrixChart {
    static func svg(_ counts: [[Int]], classes: [String], title: String, cells: ConfusionCells = .shares) -> String {
        let (margin, titleFont, labelFont, cellFont, countFont) = (12.0, 14.0, 12.0, 12.0, 10.0)
        let n = classes.count
        let totals = counts.map { max($0.reduce(0, +), 1) }
        func share(_ i: Int, _ j: Int) -> Double { Double(counts[i][j]) / Double(totals[i]) }
        let largest = String(counts.flatMap { $0 }.max() ?? 0)
        let cellTextWidth = cells == .counts ? TextMetrics.width(largest, size: cellFont)
            : max(TextMetrics.width("0.00", size: cellFont), TextMetrics.width(largest, size: countFont))
        let cellWidth = max(36, cellTextWidth + 10)
        let cellHeight = cells == .counts ? 30 : max(36, TextMetrics.lineHeight(cellFont) + TextMetrics.lineHeight(countFont) + 8)

        let rowLabels = classes.map { TextMetrics.width($0, size: labelFont) }.max() ?? 0
        let verticalColumns = rowLabels + 4 > cellWidth
        let columnLabelsHeight = verticalColumns ? rowLabels : TextMetrics.lineHeight(labelFont)
        let axisTitleHeight = TextMetrics.lineHeight(labelFont)
        let gridLeft = margin + axisTitleHeight + 8 + rowLabels + 8
        let gridTop = margin + TextMetrics.lineHeight(titleFont) + 10
        let gridRight = gridLeft + cellWidth * Double(n), gridBottom = gridTop + cellHeight * Double(n)
        let bottomTitle = "predicted class"
        let width = max(gridRight + margin, 2 * margin + TextMetrics.width(title, size: titleFont, bold: true),
                        gridLeft + TextMetrics.width(bottomTitle, size: labelFont, bold: true) + margin)
        let height = max(gridBottom + 8 + columnLabelsHeight + 8 + axisTitleHeight + margin,
                         gridTop + TextMetrics.width("true class", size: labelFont, bold: true) + margin)
        var canvas = SVGCanvas(width: width, height: height)
        canvas.text(title, x: margin, y: margin + TextMetrics.ascent(titleFont), size: titleFont, bold: true)

        let shift = { (size: Double) in (TextMetrics.ascent(size) - TextMetrics.descent(size)) / 2 }
        for i in 0..<n {
            let top = gridTop + cellHeight * Double(i)
            canvas.text(classes[i], x: gridLeft - 8, y: top + cellHeight / 2 + shift(labelFont), size: labelFont, anchor: .end)
            for j in 0..<n {
                let left = gridLeft + cellWidth * Double(j), s = share(i, j)
                // White through to a deep blue as the share of the row grows.
                let shade = (r: 255 - 222 * s, g: 255 - 170 * s, b: 255 - 75 * s)
                canvas.rect(x: left, y: top, width: cellWidth, height: cellHeight,
                            fill: String(format: "rgb(%d,%d,%d)", Int(shade.r), Int(shade.g), Int(shade.b)), stroke: "#d0d0d0")
                let ink = s > 0.5 ? "white" : (counts[i][j] == 0 ? "#aaa" : "#222"), centre = left + cellWidth / 2
                switch cells {
                case .counts:
                    canvas.text(String(counts[i][j]), x: centre, y: top + cellHeight / 2 + shift(cellFont), size: cellFont, anchor: .middle, colour: ink)
                case .shares:
                    let firstBaseline = top + (cellHeight - TextMetrics.lineHeight(cellFont) - TextMetrics.lineHeight(countFont)) / 2
                        + TextMetrics.ascent(cellFont)
                    canvas.text(String(format: "%.2f", s), x: centre, y: firstBaseline, size: cellFont, anchor: .middle, bold: i == j, colour: ink)
                    canvas.text(String(counts[i][j]), x: centre, y: firstBaseline + TextMetrics.descent(cellFont) + TextMetrics.ascent(countFont),
                                size: countFont, anchor: .middle, colour: ink)
                }
            }
        }
        for j in 0..<n {
            let centre = gridLeft + cellWidth * (Double(j) + 0.5)
            if verticalColumns {
                // Read upwards, ending just below the grid; the line box is centred on the column.
                canvas.text(classes[j], x: centre + shift(labelFont), y: gridBottom + 8, size: labelFont, anchor: .end, rotation: -90)
            } else {
                canvas.text(classes[j], x: centre, y: gridBottom + 8 + TextMetrics.ascent(labelFont), size: labelFont, anchor: .middle)
            }
        }
        // Axis titles centred on the grid, or as near as their length allows.
        let bottomTitleX = max(gridLeft + TextMetrics.width(bottomTitle, size: labelFont, bold: true) / 2, (gridLeft + gridRight) / 2)
        canvas.text(bottomTitle, x: bottomTitleX, y: gridBottom + 8 + columnLabelsHeight + 8 + TextMetrics.ascent(labelFont), size: labelFont,
                    anchor: .middle, bold: true)
        let leftTitleY = max(gridTop + TextMetrics.width("true class", size: labelFont, bold: true) / 2, (gridTop + gridBottom) / 2)
        canvas.text("true class", x: margin + TextMetrics.ascent(labelFont), y: leftTitleY, size: labelFont, anchor: .middle, bold: true, rotation: -90)
        return canvas.svg
    }
}
