import Foundation

/// Text extents estimated without a font engine, on the wide side of DejaVu Sans and Liberation
/// Sans (the sans-serif fonts a browser on Debian draws with), so that a canvas sized from them
/// holds its labels. All sizes in px (SVG user units).
enum TextMetrics {
    private static let narrow = Set("ijlI.,:;'|!()[]{} ")
    private static let widest = Set("mwMW@%")

    /// The advance width of `text` at font size `size`: per character 0.42 em for narrow glyphs
    /// (`i j l I . , : ; ' | ! ( ) [ ] { }` and space), 1.0 em for the widest (`m w M W @ %` and
    /// anything outside ASCII), 0.78 em for other capitals and 0.66 em for the rest (DejaVu Sans'
    /// digits are 0.64 em); 1.12 times that in bold.
    static func width(_ text: String, size: Double, bold: Bool = false) -> Double {
        let ems = text.reduce(0.0) { sum, c in
            if narrow.contains(c) { return sum + 0.42 }
            if widest.contains(c) || !c.isASCII { return sum + 1.0 }
            return sum + (c.isUppercase ? 0.78 : 0.66)
        }
        return ems * size * (bold ? 1.12 : 1)
    }

    /// Extent above the baseline: 1.0 em (DejaVu Sans' ascent is 0.93 em).
    static func ascent(_ size: Double) -> Double { size }

    /// Extent below the baseline: 0.3 em (DejaVu Sans' descent is 0.24 em).
    static func descent(_ size: Double) -> Double { 0.3 * size }

    /// A line's full height, ascent + descent.
    static func lineHeight(_ size: Double) -> Double { ascent(size) + descent(size) }
}

/// An SVG picture drawn in px (user units, y pointing down) on a canvas of fixed size. `svg` is
/// the standalone document: white background, `viewBox` equal to the canvas.
struct SVGCanvas {
    enum Anchor: String { case start, middle, end }

    let width: Double
    let height: Double
    private var elements: [String] = []

    init(width: Double, height: Double) {
        self.width = width.rounded(.up)
        self.height = height.rounded(.up)
    }

    /// `content` with its baseline at `y`; `rotation` in degrees (negative turns it
    /// anticlockwise) about (x, y).
    mutating func text(_ content: String, x: Double, y: Double, size: Double, anchor: Anchor = .start, bold: Bool = false,
                       colour: String = "#222", rotation: Double? = nil) {
        var attributes = "x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(n(size))\""
        if anchor != .start { attributes += " text-anchor=\"\(anchor.rawValue)\"" }
        if bold { attributes += " font-weight=\"bold\"" }
        if colour != "#222" { attributes += " fill=\"\(colour)\"" }
        if let rotation { attributes += " transform=\"rotate(\(n(rotation)) \(n(x)) \(n(y)))\"" }
        elements.append("<text \(attributes)>\(SVGCanvas.escape(content))</text>")
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, colour: String, width: Double = 1, dash: String? = nil) {
        elements.append("<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(colour)\" stroke-width=\"\(n(width))\""
                        + (dash.map { " stroke-dasharray=\"\($0)\"" } ?? "") + "/>")
    }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil) {
        elements.append("<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(width))\" height=\"\(n(height))\" fill=\"\(fill)\""
                        + (stroke.map { " stroke=\"\($0)\"" } ?? "") + "/>")
    }

    /// A line through `points`; nothing for fewer than two.
    mutating func polyline(_ points: [(x: Double, y: Double)], colour: String, width: Double = 2, dash: String? = nil) {
        guard points.count > 1 else { return }
        let list = points.map { "\(n($0.x)),\(n($0.y))" }.joined(separator: " ")
        elements.append("<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"\(n(width))\""
                        + (dash.map { " stroke-dasharray=\"\($0)\"" } ?? "") + " stroke-linejoin=\"round\"/>")
    }

    /// A filled marker of `shape` centred on (x, y), `size` px across.
    mutating func marker(_ shape: MarkerShape, x: Double, y: Double, size: Double, fill: String, opacity: Double = 1) {
        let r = size / 2
        let style = "fill=\"\(fill)\"" + (opacity < 1 ? " fill-opacity=\"\(n(opacity))\"" : "")
        switch shape {
        case .circle: elements.append("<circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"\(n(r))\" \(style)/>")
        case .square: elements.append("<rect x=\"\(n(x - r * 0.85))\" y=\"\(n(y - r * 0.85))\" width=\"\(n(size * 0.85))\" height=\"\(n(size * 0.85))\" \(style)/>")
        case .triangle: path([(x, y - r), (x + r, y + r * 0.8), (x - r, y + r * 0.8)], style)
        case .diamond: path([(x, y - r), (x + r, y), (x, y + r), (x - r, y)], style)
        }
    }

    private mutating func path(_ corners: [(Double, Double)], _ style: String) {
        let d = corners.enumerated().map { "\($0.offset == 0 ? "M" : "L")\(n($0.element.0)) \(n($0.element.1))" }.joined(separator: " ")
        elements.append("<path d=\"\(d) Z\" \(style)/>")
    }

    /// The standalone SVG document.
    var svg: String {
        let w = n(width), h = n(height)
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" font-family=\"sans-serif\">\n"
            + "<rect width=\"\(w)\" height=\"\(h)\" fill=\"white\"/>\n" + elements.joined(separator: "\n") + "\n</svg>\n"
    }

    /// `s` with `&`, `<`, `>` and `"` escaped, for SVG and HTML text and attribute values.
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// A coordinate with at most one decimal.
    private func n(_ v: Double) -> String {
        let rounded = (v * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
    }
}

/// The shapes that tell series apart besides their colour.
enum MarkerShape: CaseIterable {
    case circle, square, triangle, diamond
}

/// Colours for series, told apart by people with the common colour-vision deficiencies (Okabe–Ito).
enum ChartPalette {
    static let series = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

    static func colour(_ index: Int) -> String { series[index % series.count] }
    static func shape(_ index: Int) -> MarkerShape { MarkerShape.allCases[index % MarkerShape.allCases.count] }
}
