/// One class's line of a classification report, with scikit-learn's definitions
/// (`precision_recall_fscore_support(..., average=None, zero_division=0)`).
public struct ClassReport: Codable, Equatable, Sendable {
    /// TP / (TP + FP): of the samples predicted as this class, the share that are; 0 if none was predicted.
    public let precision: Double
    /// TP / (TP + FN): of the samples of this class, the share predicted as it; 0 if it has no samples.
    public let recall: Double
    /// 2·TP / (2·TP + FP + FN), the harmonic mean of precision and recall; 0 if TP + FP + FN = 0.
    public let f1: Double
    /// The number of samples whose label is this class.
    public let support: Int

    public init(precision: Double, recall: Double, f1: Double, support: Int) {
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        self.support = support
    }
}
