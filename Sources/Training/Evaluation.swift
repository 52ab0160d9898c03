import Data
import Foundation
import NN
import Tensor

/// A model's predictions on a loader's clips in eval mode: each clip scored by the mean of the
/// class probabilities of its windows (the loader's scoring windows, one or more per row), the
/// mean loss, predicted classes and the metrics against the labels.
public struct Evaluation: Sendable {
    /// Pack rows in evaluation order, one per clip.
    public let rows: [Int]
    public let labels: [Int]
    public let predictions: [Int]
    /// (rows, classes) class probabilities (the mean over a clip's windows), row-major.
    public let probabilities: [Float]
    /// Mean cross-entropy of the clips' probabilities (with the trainer's label smoothing:
    /// −(1 − ε) log p_label − ε/C Σ_c log p_c).
    public let loss: Double
    public let metrics: ClassificationMetrics

    public init(model: any SpectrogramClassifier, loader: BatchLoader, classCount: Int, labelSmoothing: Float) throws {
        model.setTraining(false)
        defer { model.setTraining(true) }
        let (bins, frames) = (loader.pack.parameters.numMelBins, loader.pack.parameters.frames)
        var (windowRows, windowLabels, logProbabilities) = ([Int](), [Int](), [Double]())
        try GradMode.withDisabled {
            for batch in loader.epoch(0) {
                let n = batch.count
                let x = try Tensor(batch.features, shape: [n, 1, bins, frames])
                let metadata = loader.metadataWidth > 0 ? try Tensor(batch.metadata, shape: [n, loader.metadataWidth]) : nil
                logProbabilities += Self.logSoftmax(try model.logits(x, metadata: metadata))
                windowRows += batch.rows
                windowLabels += batch.labels
            }
        }
        guard !windowRows.isEmpty else { throw TrainingError.configuration("validation", "the validation part has no examples") }
        let c = classCount, smoothing = Double(labelSmoothing)
        var (rows, labels, predictions, probabilities, lossSum) = ([Int](), [Int](), [Int](), [Float](), 0.0)
        var first = 0
        while first < windowRows.count {
            var end = first + 1
            while end < windowRows.count && windowRows[end] == windowRows[first] { end += 1 }
            let clip = Self.meanLogProbabilities(logProbabilities, windows: first..<end, classes: c)
            rows.append(windowRows[first])
            labels.append(windowLabels[first])
            predictions.append(clip.indices.max { clip[$0] < clip[$1] }!)  // the first on ties
            probabilities += clip.map { Float(exp($0)) }
            lossSum -= (1 - smoothing) * clip[windowLabels[first]] + smoothing / Double(c) * clip.reduce(0, +)
            first = end
        }
        self.rows = rows
        self.labels = labels
        self.predictions = predictions
        self.probabilities = probabilities
        loss = lossSum / Double(rows.count)
        metrics = try ClassificationMetrics(labels: labels, predictions: predictions, classCount: classCount)
    }

    /// log softmax of logits (B, C) in Float64, row-major.
    static func logSoftmax(_ logits: Tensor) -> [Double] {
        let c = logits.shape[1]
        let values = logits.scalars.map(Double.init)
        return stride(from: 0, to: values.count, by: c).flatMap { start -> [Double] in
            let row = values[start..<(start + c)]
            let top = row.max()!
            let logSum = top + log(row.reduce(0) { $0 + exp($1 - top) })
            return row.map { $0 - logSum }
        }
    }

    /// log of the mean over `windows` of the class probabilities, from their log probabilities
    /// (rows of `classes` values), without leaving log space: log Σ_w p_w − log W.
    static func meanLogProbabilities(_ logProbabilities: [Double], windows: Range<Int>, classes: Int) -> [Double] {
        guard windows.count > 1 else { return Array(logProbabilities[(windows.lowerBound * classes)..<(windows.upperBound * classes)]) }
        return (0..<classes).map { k in
            let terms = windows.map { logProbabilities[$0 * classes + k] }
            let top = terms.max()!
            guard top > -.infinity else { return top }
            return top + log(terms.reduce(0) { $0 + exp($1 - top) }) - log(Double(windows.count))
        }
    }

    /// The index of each row's largest logit (the first on ties), for logits (B, C).
    static func argmax(_ logits: Tensor) -> [Int] {
        let (b, c) = (logits.shape[0], logits.shape[1])
        return logits.withUnsafeBufferPointer { values in
            (0..<b).map { row in
                var best = 0
                for j in 1..<c where values[row * c + j] > values[row * c + best] { best = j }
                return best
            }
        }
    }
}
