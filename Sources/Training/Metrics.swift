import RunRecords

/// Classification metrics of predicted against true class indices, with scikit-learn's
/// definitions, computed in Double.
///
/// Classes are 0..<`classCount`; every class is reported and averaged, also one that never
/// occurs in the labels or in the predictions (scikit-learn with `labels=range(C)`).
/// Zero division gives 0 (scikit-learn's `zero_division=0`): a class never predicted has
/// precision 0, a class without samples has recall 0, and F1 is 0 when both are undefined or 0.
///
/// - accuracy: the share of samples predicted correctly.
/// - macro averages: the plain mean over all `classCount` classes (absent ones count as 0s).
/// - weighted averages: the mean over classes weighted by support, Σ score_c · support_c / N;
///   classes without samples weigh nothing.
public struct ClassificationMetrics: Equatable, Sendable {
    public let classCount: Int
    /// Counts [true class][predicted class] (scikit-learn's `confusion_matrix`: rows are labels).
    public let confusionMatrix: [[Int]]
    public let accuracy: Double
    /// One report per class, indexed by class.
    public let perClass: [ClassReport]
    public let precisionMacro: Double
    public let recallMacro: Double
    public let f1Macro: Double
    public let precisionWeighted: Double
    public let recallWeighted: Double
    public let f1Weighted: Double

    /// - Parameters:
    ///   - labels: the true class of each sample, in 0..<classCount.
    ///   - predictions: the predicted class of each sample, same count.
    /// - Throws: `MetricsError` for no samples, different counts, a class count below 1, or a class
    ///   out of range (naming the sample index and value).
    public init(labels: [Int], predictions: [Int], classCount: Int) throws {
        guard classCount >= 1 else { throw MetricsError("class count \(classCount): must be ≥ 1") }
        guard labels.count == predictions.count else {
            throw MetricsError("\(labels.count) labels but \(predictions.count) predictions")
        }
        guard !labels.isEmpty else { throw MetricsError("no samples") }
        var matrix = Array(repeating: Array(repeating: 0, count: classCount), count: classCount)
        for (index, (label, predicted)) in zip(labels, predictions).enumerated() {
            for (what, value) in [("label", label), ("prediction", predicted)] where !(0..<classCount).contains(value) {
                throw MetricsError("sample \(index): \(what) \(value) is outside the classes 0..<\(classCount)")
            }
            matrix[label][predicted] += 1
        }
        let total = Double(labels.count)
        perClass = (0..<classCount).map { c in
            let truePositives = matrix[c][c]
            let support = matrix[c].reduce(0, +)
            let predicted = matrix.reduce(0) { $0 + $1[c] }
            return ClassReport(precision: Self.ratio(truePositives, predicted),
                               recall: Self.ratio(truePositives, support),
                               f1: Self.ratio(2 * truePositives, support + predicted),
                               support: support)
        }
        self.classCount = classCount
        confusionMatrix = matrix
        accuracy = Double((0..<classCount).reduce(0) { $0 + matrix[$1][$1] }) / total
        let reports = perClass
        func macro(_ score: (ClassReport) -> Double) -> Double {
            reports.reduce(0) { $0 + score($1) } / Double(classCount)
        }
        func weighted(_ score: (ClassReport) -> Double) -> Double {
            reports.reduce(0) { $0 + score($1) * Double($1.support) } / total
        }
        precisionMacro = macro(\.precision)
        recallMacro = macro(\.recall)
        f1Macro = macro(\.f1)
        precisionWeighted = weighted(\.precision)
        recallWeighted = weighted(\.recall)
        f1Weighted = weighted(\.f1)
    }

    /// The scalar metrics by their `HeldOutScore` names (every one but the loss), in a fixed order.
    public var named: [(name: HeldOutScore, value: Double)] {
        [(.accuracy, accuracy), (.f1Weighted, f1Weighted), (.precisionWeighted, precisionWeighted), (.recallWeighted, recallWeighted),
         (.f1Macro, f1Macro), (.precisionMacro, precisionMacro), (.recallMacro, recallMacro)]
    }

    /// numerator / denominator, or 0 when the denominator is 0 (`zero_division=0`).
    private static func ratio(_ numerator: Int, _ denominator: Int) -> Double {
        denominator == 0 ? 0 : Double(numerator) / Double(denominator)
    }
}

/// Metrics asked of inputs that have none: what is wrong with them.
public struct MetricsError: Error, CustomStringConvertible, Equatable {
    public let description: String

    init(_ description: String) { self.description = description }
}
