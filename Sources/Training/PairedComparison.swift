import Foundation

/// Whether two models' scores over the same resampled jobs differ by more than noise: the corrected
/// resampled t-test (Nadeau & Bengio 2003; Bouckaert & Frank 2004 for repeated k-fold), which widens the
/// paired t-test's variance because the jobs share training rows.
///
/// d_j = a_j − b_j over n = r·k paired jobs (r repeats × k folds).
/// t = mean(d) / √((1/n + testTrainRatio) · s²), s² sample variance (ddof 1); two-sided p under Student's t
/// with n − 1 df. testTrainRatio = mean over the n jobs of (test rows ÷ (fit + selection rows)) of each job;
/// for one repeat of k folds with test fraction f it is f / (1 − f).
public struct PairedComparison: Codable, Equatable, Sendable {
    public var modelA: String
    public var modelB: String
    public var metric: String
    /// mean(a − b) over the jobs.
    public var meanDifference: Double
    public var t: Double
    /// Degrees of freedom, n − 1.
    public var df: Int
    /// Two-sided P(|T| ≥ |t|), T ~ Student's t with `df` degrees of freedom.
    public var p: Double
    /// Holm–Bonferroni adjusted p over all the sweep's pairs (equal to p until `holmAdjusted` runs).
    public var pHolm: Double
    /// pHolm < 0.05.
    public var significant: Bool

    /// nil when the counts differ, n < 2, or testTrainRatio is not a positive finite number. With zero
    /// variance of d: t = ±∞ and p = 0 when mean(d) ≠ 0, t = 0 and p = 1 when mean(d) = 0.
    public init?(modelA: String, a: [Double], modelB: String, b: [Double], metric: String, testTrainRatio: Double) {
        guard a.count == b.count, a.count >= 2, testTrainRatio > 0, testTrainRatio.isFinite else { return nil }
        let (mean, standardError) = correctedMeanAndStandardError(zip(a, b).map { $0 - $1 }, testTrainRatio: testTrainRatio)
        (self.modelA, self.modelB, self.metric, meanDifference, df) = (modelA, modelB, metric, mean, a.count - 1)
        if standardError == 0 {
            t = mean == 0 ? 0 : (mean > 0 ? .infinity : -.infinity)
            p = mean == 0 ? 1 : 0
        } else {
            t = mean / standardError
            p = StudentT.twoSidedP(t: t, degreesOfFreedom: Double(df))
        }
        pHolm = p
        significant = pHolm < 0.05
    }

    /// The same comparisons with pHolm and significant set by Holm's step-down over all m of them: with the p
    /// sorted ascending, p_(1) ≤ … ≤ p_(m), adjusted_(i) = max over j ≤ i of min(1, (m − j + 1)·p_(j)), put back
    /// in the input order. Tied p get the same adjusted value whatever their order.
    public static func holmAdjusted(_ comparisons: [PairedComparison]) -> [PairedComparison] {
        let m = comparisons.count
        var adjusted = comparisons
        var runningMax = 0.0
        for (j, index) in comparisons.indices.sorted(by: { comparisons[$0].p < comparisons[$1].p }).enumerated() {
            // j is 0-based here, so m − j is the 1-based (m − j + 1).
            runningMax = max(runningMax, min(1, Double(m - j) * comparisons[index].p))
            adjusted[index].pHolm = runningMax
            adjusted[index].significant = runningMax < 0.05
        }
        return adjusted
    }
}

/// mean(x) and the corrected standard error √((1/n + testTrainRatio) · s²), s² = Σ(x_j − mean)² / (n − 1),
/// n = x.count ≥ 2; both in x's units.
func correctedMeanAndStandardError(_ x: [Double], testTrainRatio: Double) -> (mean: Double, standardError: Double) {
    let n = Double(x.count)
    let mean = x.reduce(0, +) / n
    let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
    return (mean, ((1 / n + testTrainRatio) * variance).squareRoot())
}

/// Student's t distribution through the regularised incomplete beta function:
/// P(|T| ≥ |t|) = I_{ν/(ν+t²)}(ν/2, 1/2).
enum StudentT {
    static func twoSidedP(t: Double, degreesOfFreedom nu: Double) -> Double {
        regularizedIncompleteBeta(x: nu / (nu + t * t), a: nu / 2, b: 0.5)
    }

    /// The critical value t ≥ 0 with P(|T| ≥ t) = p, i.e. the (1 − p/2) quantile t_{1−p/2, ν}; dimensionless,
    /// for 0 < p ≤ 1 and ν > 0 degrees of freedom (p = 1 gives 0).
    ///
    /// Method: `twoSidedP` falls strictly from 1 at t = 0 towards 0 as t → ∞, so the root is bracketed by
    /// [0, 1] with the upper end doubled until twoSidedP(upper) ≤ p, then bisected (keeping
    /// twoSidedP(lower) > p ≥ twoSidedP(upper)) until the bracket is narrower than 1e-12 · max(1, upper).
    static func twoSidedCriticalValue(p: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(p > 0 && p <= 1 && nu > 0, "two-sided p in (0, 1] and ν > 0")
        var lower = 0.0, upper = 1.0
        while twoSidedP(t: upper, degreesOfFreedom: nu) > p {
            (lower, upper) = (upper, 2 * upper)
        }
        while upper - lower > 1e-12 * max(1, upper) {
            let middle = (lower + upper) / 2
            if twoSidedP(t: middle, degreesOfFreedom: nu) > p { lower = middle } else { upper = middle }
        }
        return (lower + upper) / 2
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
