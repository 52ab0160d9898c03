import Data
import Foundation
import NN
import Tensor

/// A model's predictions on a loader's labelled examples in eval mode (`InferencePass`): mean
/// loss, class probabilities, predicted classes and the metrics against the labels.
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
        var (rows, labels, predictions, probabilities, lossSum) = ([Int](), [Int](), [Int](), [Float](), 0.0)
        try InferencePass.forEachBatch(model: model, loader: loader) { batch, logits in
            lossSum += Double(try Tensor.crossEntropy(logits, labels: batch.labels, labelSmoothing: labelSmoothing).item) * Double(batch.count)
            rows += batch.rows
            labels += batch.labels
            let batchProbabilities = try InferencePass.probabilities(logits)
            predictions += InferencePass.argmax(batchProbabilities, classes: classCount)
            probabilities += batchProbabilities
        }
        guard !rows.isEmpty else { throw TrainingError.configuration("validation", "the validation part has no examples") }
        self.rows = rows
        self.labels = labels
        self.predictions = predictions
        self.probabilities = probabilities
        loss = lossSum / Double(rows.count)
        metrics = try ClassificationMetrics(labels: labels, predictions: predictions, classCount: classCount)
    }
}
