import Foundation

/// Whether two models' scores over the same folds differ by more than noise: the corrected
/// resampled t-test (Nadeau & Bengio 2003), which widens the paired t-test's variance by
/// n_test/n_train because cross-validation folds share training data.
///
/// t = mean(d) / √((1/k + n_test/n_train) · var(d)), d_j = a_j − b_j over the k folds, var with
/// k − 1 degrees of freedom; p is two-sided under Student's t with k − 1 degrees of freedom.
public struct PairedComparison: Codable, Equatable, Sendable {
    public var modelA: String
    public var modelB: String
    public var metric: String
    /// mean(a − b) over the folds.
    public var meanDifference: Double
    public var t: Double
    public var p: Double
    /// p < 0.05.
    public var significant: Bool

    public init?(modelA: String, a: [Double], modelB: String, b: [Double], metric: String, testFraction: Double) {
        guard a.count == b.count, a.count >= 2, testFraction > 0, testFraction < 1 else { return nil }
        let d = zip(a, b).map { $0 - $1 }
        let k = Double(d.count)
        let mean = d.reduce(0, +) / k
        let variance = d.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (k - 1)
        let scale = ((1 / k + testFraction / (1 - testFraction)) * variance).squareRoot()
        (self.modelA, self.modelB, self.metric, meanDifference) = (modelA, modelB, metric, mean)
        if scale == 0 {
            t = mean == 0 ? 0 : (mean > 0 ? .infinity : -.infinity)
            p = mean == 0 ? 1 : 0
        } else {
            t = mean / scale
            p = StudentT.twoSidedP(t: t, degreesOfFreedom: k - 1)
        }
        significant = p < 0.05
    }
}

/// Student's t distribution through the regularised incomplete beta function:
/// P(|T| ≥ |t|) = I_{ν/(ν+t²)}(ν/2, 1/2).
enum StudentT {
    static func twoSidedP(t: Double, degreesOfFreedom nu: Double) -> Double {
        regularizedIncompleteBeta(x: nu / (nu + t * t), a: nu / 2, b: 0.5)
    }

    /// I_x(a, b) by its continued fraction (modified Lentz), using the symmetry
    /// I_x(a, b) = 1 − I_{1−x}(b, a) where the fraction converges slowly.
    static func regularizedIncompleteBeta(x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logGammas: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let logFront: Double = logGammas + a * log(x) + b * log(1 - x)
        if x > (a + 1) / (a + b + 2) {
            return 1 - regularizedIncompleteBeta(x: 1 - x, a: b, b: a)
        }
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        d = 1 / (abs(d) < tiny ? tiny : d)
        var fraction = d
        for m in 1...300 {
            let m = Double(m)
            // Even step: m(b − m)x / ((a + 2m − 1)(a + 2m)); odd step: −(a + m)(a + b + m)x / ((a + 2m)(a + 2m + 1)).
            let even: Double = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            let odd: Double = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            for numerator in [even, odd] {
                d = 1 + numerator * d
                d = 1 / (abs(d) < tiny ? tiny : d)
                c = 1 + numerator / c
                if abs(c) < tiny { c = tiny }
                fraction *= c * d
            }
            if abs(c * d - 1) < 1e-15 { break }
        }
        return exp(logFront) * fraction / a
    }
}
