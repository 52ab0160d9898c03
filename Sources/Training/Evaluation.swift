import Data
import Foundation
import NN
import Tensor

/// A model's predictions on a loader's labelled clips in eval mode (`InferencePass`): each clip
/// scored by the mean of the class probabilities of its windows (the loader's scoring windows,
/// one or more per row), the mean loss, predicted classes and the metrics against the labels.
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
        let clips = try InferencePass.scores(model: model, loader: loader)
        guard !clips.isEmpty else { throw TrainingError.configuration("validation", "the validation part has no examples") }
        let c = classCount, smoothing = Double(labelSmoothing)
        rows = clips.map(\.row)
        labels = clips.map(\.label)
        predictions = clips.map(\.predicted)
        probabilities = clips.flatMap(\.probabilities)
        loss = clips.reduce(0) { sum, clip in
            sum - (1 - smoothing) * clip.logProbabilities[clip.label] - smoothing / Double(c) * clip.logProbabilities.reduce(0, +)
        } / Double(clips.count)
        metrics = try ClassificationMetrics(labels: labels, predictions: predictions, classCount: classCount)
    }
}
