import Data
import Foundation
import NN
import Tensor

/// A model's predictions on a loader's examples in eval mode: mean loss, class probabilities,
/// predicted classes and the metrics against the labels.
public struct Evaluation: Sendable {
    /// Pack rows in evaluation order.
    public let rows: [Int]
    public let labels: [Int]
    public let predictions: [Int]
    /// (rows, classes) softmax probabilities, row-major.
    public let probabilities: [Float]
    /// Mean cross-entropy (with the trainer's label smoothing).
    public let loss: Double
    public let metrics: ClassificationMetrics

    public init(model: any SpectrogramClassifier, loader: BatchLoader, classCount: Int, labelSmoothing: Float) throws {
        model.setTraining(false)
        defer { model.setTraining(true) }
        let (bins, frames) = (loader.pack.parameters.numMelBins, loader.pack.parameters.frames)
        var (rows, labels, predictions, probabilities, lossSum) = ([Int](), [Int](), [Int](), [Float](), 0.0)
        try GradMode.withDisabled {
            for batch in loader.epoch(0) {
                let n = batch.count
                let x = try Tensor(batch.features, shape: [n, 1, bins, frames])
                let metadata = loader.metadataWidth > 0 ? try Tensor(batch.metadata, shape: [n, loader.metadataWidth]) : nil
                let logits = try model.logits(x, metadata: metadata)
                lossSum += Double(try Tensor.crossEntropy(logits, labels: batch.labels, labelSmoothing: labelSmoothing).item) * Double(n)
                rows += batch.rows
                labels += batch.labels
                predictions += Self.argmax(logits)
                probabilities += try logits.softmax(axis: -1).scalars
            }
        }
        guard !rows.isEmpty else { throw TrainingError.configuration("validation", "the validation part has no examples") }
        self.rows = rows
        self.labels = labels
        self.predictions = predictions
        self.probabilities = probabilities
        loss = lossSum / Double(rows.count)
        metrics = try ClassificationMetrics(labels: labels, predictions: predictions, classCount: classCount)
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
