import Foundation

/// Small self-contained SVG charts for the results folder and MLflow artifacts.
public enum SVGCharts {
    /// A confusion matrix: rows are true classes, columns predicted; each cell shows its count and
    /// is shaded by its share of the row (row-normalised, so recall reads off the diagonal).
    public static func confusionMatrix(_ counts: [[Int]], classes: [String], title: String) -> String {
        let n = classes.count, cell = 44, left = 16 + 7 * (classes.map(\.count).max() ?? 4), top = 56
        let width = left + n * cell + 20, height = top + n * cell + 7 * (classes.map(\.count).max() ?? 4) + 40
        var svg = header(width, height) + text(width / 2, 24, title, size: 15, anchor: "middle")
        svg += text(left + n * cell / 2, 44, "predicted", size: 11, anchor: "middle")
        for (i, row) in counts.enumerated() {
            let total = max(row.reduce(0, +), 1)
            svg += text(left - 6, top + i * cell + cell / 2 + 4, escape(classes[i]), size: 11, anchor: "end")
            for (j, count) in row.enumerated() {
                let share = Double(count) / Double(total)
                let shade = Int(255 - 200 * share)
                svg += "<rect x=\"\(left + j * cell)\" y=\"\(top + i * cell)\" width=\"\(cell)\" height=\"\(cell)\" fill=\"rgb(\(shade),\(shade),255)\" stroke=\"#ccc\"/>\n"
                svg += text(left + j * cell + cell / 2, top + i * cell + cell / 2 + 4, String(count), size: 11, anchor: "middle",
                            color: share > 0.6 ? "white" : "black")
            }
        }
        for (j, name) in classes.enumerated() {
            let x = left + j * cell + cell / 2, y = top + n * cell + 8
            svg += "<text x=\"\(x)\" y=\"\(y)\" font-size=\"11\" font-family=\"sans-serif\" transform=\"rotate(60 \(x) \(y))\">\(escape(name))</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// Line chart of named series over epochs (1-based on the axis), one colour each.
    public static func curves(_ series: [(name: String, values: [Double])], title: String, yLabel: String) -> String {
        let (width, height, left, top, plotW, plotH) = (560, 320, 60, 40, 440, 220)
        let all = series.flatMap(\.values).filter(\.isFinite)
        let (low, high) = (min(all.min() ?? 0, 0), max(all.max() ?? 1, 1e-9))
        let epochs = max(series.map(\.values.count).max() ?? 1, 2)
        func point(_ i: Int, _ v: Double) -> String {
            String(format: "%.1f,%.1f", Double(left) + Double(i) / Double(epochs - 1) * Double(plotW),
                   Double(top + plotH) - (v - low) / (high - low) * Double(plotH))
        }
        var svg = header(width, height) + text(width / 2, 22, title, size: 14, anchor: "middle")
        svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotW)\" height=\"\(plotH)\" fill=\"none\" stroke=\"#888\"/>\n"
        svg += text(left - 6, top + 4, String(format: "%.3g", high), size: 10, anchor: "end")
        svg += text(left - 6, top + plotH, String(format: "%.3g", low), size: 10, anchor: "end")
        svg += text(left + plotW / 2, top + plotH + 30, "epoch (1–\(epochs))", size: 11, anchor: "middle")
        svg += text(14, top + plotH / 2, yLabel, size: 11, anchor: "middle")
        let colours = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"]
        for (k, s) in series.enumerated() {
            let points = s.values.enumerated().filter { $0.element.isFinite }.map { point($0.offset, $0.element) }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(colours[k % colours.count])\" stroke-width=\"2\" points=\"\(points)\"/>\n"
            svg += text(left + plotW + 6, top + 14 + 16 * k, escape(s.name), size: 11, anchor: "start", color: colours[k % colours.count])
        }
        return svg + "</svg>\n"
    }

    /// Bars of mean ± standard deviation per model, for one metric.
    public static func errorBars(_ bars: [(name: String, mean: Double, std: Double)], title: String) -> String {
        let (width, height, left, top, plotH) = (120 + 110 * bars.count, 320, 60, 40, 220)
        var svg = header(width, height) + text(width / 2, 22, title, size: 14, anchor: "middle")
        let high = max(bars.map { $0.mean + $0.std }.max() ?? 1, 1e-9)
        func y(_ v: Double) -> Double { Double(top + plotH) - v / high * Double(plotH) }
        for (i, bar) in bars.enumerated() {
            let x = Double(left + 20 + 110 * i)
            svg += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"60\" height=\"%.1f\" fill=\"#6fa8dc\"/>\n", x, y(bar.mean), Double(top + plotH) - y(bar.mean))
            svg += String(format: "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"black\" stroke-width=\"2\"/>\n",
                          x + 30, x + 30, y(bar.mean + bar.std), y(max(bar.mean - bar.std, 0)))
            svg += text(Int(x) + 30, top + plotH + 16, escape(bar.name), size: 11, anchor: "middle")
            svg += text(Int(x) + 30, Int(y(bar.mean + bar.std)) - 4, String(format: "%.3f±%.3f", bar.mean, bar.std), size: 10, anchor: "middle")
        }
        return svg + "</svg>\n"
    }

    private static func header(_ width: Int, _ height: Int) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    }

    private static func text(_ x: Int, _ y: Int, _ content: String, size: Int, anchor: String, color: String = "black") -> String {
        "<text x=\"\(x)\" y=\"\(y)\" font-size=\"\(size)\" font-family=\"sans-serif\" text-anchor=\"\(anchor)\" fill=\"\(color)\">\(content)</text>\n"
    }

    private static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
