/// A 95 % (or `level`) interval for a model's mean score over n = r·k resampled jobs, from the same corrected
/// variance as `PairedComparison` (Nadeau & Bengio 2003):
/// mean ± t_{(1+level)/2, n−1} · √((1/n + testTrainRatio) · s²), s² the sample variance (ddof 1) of the
/// scores and testTrainRatio the mean over the jobs of test rows ÷ (fit + selection rows). Bounds are in the
/// scores' units, cut to the range the score can take (an accuracy's interval ends at 1, not 1.03);
/// with zero variance the interval collapses to the mean.
public struct CorrectedInterval: Codable, Equatable, Sendable {
    public var low: Double
    public var high: Double

    /// nil for n < 2, testTrainRatio not a positive finite number, or level outside (0, 1).
    /// `possible`: the values the score can take (accuracy: 0...1).
    public init?(scores: [Double], testTrainRatio: Double, level: Double = 0.95,
                 possible: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude) {
        guard scores.count >= 2, testTrainRatio > 0, testTrainRatio.isFinite, level > 0, level < 1 else { return nil }
        let (mean, standardError) = correctedMeanAndStandardError(scores, testTrainRatio: testTrainRatio)
        let halfWidth = standardError == 0 ? 0 : StudentT.twoSidedCriticalValue(
            p: 1 - level, degreesOfFreedom: Double(scores.count - 1)) * standardError
        (low, high) = (max(mean - halfWidth, possible.lowerBound), min(mean + halfWidth, possible.upperBound))
    }
}
