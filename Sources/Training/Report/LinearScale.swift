import Foundation

/// A linear map from data values to canvas px, with tick values 1, 2, 2.5 or 5 × 10^k apart.
struct LinearScale {
    /// The data interval, low < high.
    let low: Double
    let high: Double
    /// The px where `low` and `high` are drawn (start > end for a y axis, whose px grow downwards).
    let start: Double
    let end: Double
    /// The distance between ticks, in data units.
    let step: Double

    /// The interval low...high widened outwards to whole steps of about a `ticks`th of it; a
    /// zero-width interval is first widened on each side by a tenth of its value (0.05 at 0).
    init(covering low: Double, _ high: Double, ticks: Int = 5, start: Double, end: Double) {
        var (a, b) = (min(low, high), max(low, high))
        if !(b - a > 1e-12 * max(abs(a), abs(b))) {
            let pad = a == 0 ? 0.05 : abs(a) / 10
            (a, b) = (a - pad, b + pad)
        }
        let step = Self.step(span: b - a, ticks: ticks)
        self.init(low: (a / step).rounded(.down) * step, high: (b / step).rounded(.up) * step, step: step, start: start, end: end)
    }

    /// Exactly low...high (high > low) with ticks `step` apart.
    init(low: Double, high: Double, step: Double, start: Double, end: Double) {
        (self.low, self.high, self.step, self.start, self.end) = (low, high, step, start, end)
    }

    /// The same data interval drawn between other px.
    func drawn(from start: Double, to end: Double) -> LinearScale {
        LinearScale(low: low, high: high, step: step, start: start, end: end)
    }

    /// The px of `value`.
    func callAsFunction(_ value: Double) -> Double { start + (value - low) / (high - low) * (end - start) }

    /// The multiples of `step` in low...high.
    var ticks: [Double] {
        let first = (low / step - 1e-9).rounded(.up), last = (high / step + 1e-9).rounded(.down)
        return first <= last ? (Int(first)...Int(last)).map { Double($0) * step } : []
    }

    /// A tick's label: as many decimals as the step needs (steps under 0.001 in %g notation).
    func label(_ value: Double) -> String {
        if step < 0.001 { return String(format: "%g", value) }
        var decimals = 0
        while decimals < 3, abs(step * pow(10, Double(decimals)) - (step * pow(10, Double(decimals))).rounded()) > 1e-6 { decimals += 1 }
        let text = String(format: "%.\(decimals)f", value)
        return Double(text) == 0 ? String(format: "%.\(decimals)f", 0.0) : text
    }

    /// 1, 2, 2.5 or 5 × 10^k, the smallest of them that splits `span` into at most `ticks` parts.
    static func step(span: Double, ticks: Int) -> Double {
        let rough = span / Double(max(ticks, 1))
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        return [1, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rough * (1 - 1e-9) } ?? 10 * magnitude
    }
}
