import Data
import NN
import Tensor

/// A trained model's class probabilities on a loader's examples: what a job's held-out
/// evaluation (`Evaluation`) and `spectrofold predict` (`Predictor`) both compute, with the same
/// code. The loader has normalised each example with the job's feature statistics and scaled
/// its metadata; here the model runs in eval mode without gradients and a softmax over the
/// classes turns logits into probabilities.
public enum InferencePass {
    /// Calls `body` with each batch in loader order and its logits (batch, classes).
    public static func forEachBatch(model: any SpectrogramClassifier, loader: BatchLoader,
                                    _ body: (_ batch: Batch, _ logits: Tensor) throws -> Void) throws {
        model.setTraining(false)
        defer { model.setTraining(true) }
        let (bins, frames) = (loader.pack.parameters.numMelBins, loader.pack.parameters.frames)
        try GradMode.withDisabled {
            for batch in loader.epoch(0) {
                let n = batch.count
                let x = try Tensor(batch.features, shape: [n, 1, bins, frames])
                let metadata = loader.metadataWidth > 0 ? try Tensor(batch.metadata, shape: [n, loader.metadataWidth]) : nil
                try body(batch, try model.logits(x, metadata: metadata))
            }
        }
    }

    /// Softmax over the last axis of logits (batch, classes): (batch × classes) probabilities, row-major.
    public static func probabilities(_ logits: Tensor) throws -> [Float] {
        try logits.softmax(axis: -1).scalars
    }

    /// The index of each row's largest score (the first on ties), for (rows × classes) logits or probabilities.
    public static func argmax(_ probabilities: [Float], classes: Int) -> [Int] {
        (0..<(probabilities.count / classes)).map { row in
            var best = 0
            for j in 1..<classes where probabilities[row * classes + j] > probabilities[row * classes + best] { best = j }
            return best
        }
    }

    /// The pack rows of `loader` in its order and their (rows × classes) probabilities, row-major.
    public static func probabilities(model: any SpectrogramClassifier, loader: BatchLoader) throws -> (rows: [Int], probabilities: [Float]) {
        var (rows, probabilities) = ([Int](), [Float]())
        try forEachBatch(model: model, loader: loader) { batch, logits in
            rows += batch.rows
            probabilities += try Self.probabilities(logits)
        }
        return (rows, probabilities)
    }
}
