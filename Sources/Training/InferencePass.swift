import Data
import Foundation
import NN
import Tensor

/// A trained model's scores on a loader's clips: what a job's selection and held-out evaluation
/// (`Evaluation`) and `spectrofold predict` (`Predictor`) all compute, with this one code. The
/// loader cuts each clip into its scoring windows (`ClipWindows.center` or `.sliding`),
/// normalises them with the job's feature statistics and scales the metadata; here the model
/// runs in eval mode without gradients, each window's logits become log probabilities (log
/// softmax in Float64) and a clip's are the log of the mean of its windows' probabilities.
public enum InferencePass {
    /// One clip's scores.
    public struct ClipScores: Sendable {
        public var row: Int
        /// The pack's label of the row (−1 when unlabelled).
        public var label: Int
        /// log of the mean over the windows of the class probabilities, one per class.
        public var logProbabilities: [Double]
        /// Each window's first frame and log probabilities, in clip order.
        public var windows: [(start: Int, logProbabilities: [Double])]

        /// The clip's probabilities as the evaluation reports them.
        public var probabilities: [Float] { logProbabilities.map { Float(exp($0)) } }
        /// The most probable class (the first on ties).
        public var predicted: Int { InferencePass.argmax(logProbabilities) }
    }

    /// The clips of `loader`'s rows in order, with their windows.
    public static func scores(model: any SpectrogramClassifier, loader: BatchLoader) throws -> [ClipScores] {
        model.setTraining(false)
        defer { model.setTraining(true) }
        let (bins, frames) = (loader.pack.parameters.numMelBins, loader.pack.parameters.frames)
        var (windowRows, windowStarts, windowLabels, logProbabilities, classes) = ([Int](), [Int](), [Int](), [Double](), 0)
        try GradMode.withDisabled {
            for batch in loader.epoch(0) {
                let n = batch.count
                let x = try Tensor(batch.features, shape: [n, 1, bins, frames])
                let metadata = loader.metadataWidth > 0 ? try Tensor(batch.metadata, shape: [n, loader.metadataWidth]) : nil
                let logits = try model.logits(x, metadata: metadata)
                classes = logits.shape[1]
                logProbabilities += logSoftmax(logits)
                windowRows += batch.rows
                windowStarts += batch.starts
                windowLabels += batch.labels
            }
        }
        var clips: [ClipScores] = []
        var first = 0
        while first < windowRows.count {
            var end = first + 1
            while end < windowRows.count && windowRows[end] == windowRows[first] { end += 1 }
            clips.append(ClipScores(row: windowRows[first], label: windowLabels[first],
                                    logProbabilities: meanLogProbabilities(logProbabilities, windows: first..<end, classes: classes),
                                    windows: (first..<end).map { (windowStarts[$0], Array(logProbabilities[($0 * classes)..<(($0 + 1) * classes)])) }))
            first = end
        }
        return clips
    }

    /// The index of the largest value (the first on ties).
    public static func argmax<T: Comparable>(_ values: [T]) -> Int {
        values.indices.max { values[$0] < values[$1] }!
    }

    /// The index of each row's largest score (the first on ties), for (rows × classes) logits or probabilities.
    public static func argmax(_ scores: [Float], classes: Int) -> [Int] {
        (0..<(scores.count / classes)).map { argmax(Array(scores[($0 * classes)..<(($0 + 1) * classes)])) }
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
}
