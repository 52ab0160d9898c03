import Audio
import Data
import Foundation
import NN
import Tensor
import TestSupport
import Training
import XCTest

/// A clip longer than the model's window is scored by the mean of its windows' class
/// probabilities: the sliding-window evaluation equals the windows scored one by one.
final class WindowedEvaluationTests: XCTestCase {
    func testSlidingWindowScoresAreTheMeanOfTheSeparateWindows() throws {
        let (frames, width, bins) = (16, 40, 128)
        let source = syntheticPack(count: 6, classes: 3, frames: width)
        let lengths = [40, 33, 16, 9, 25, 40]
        var features = source.features
        for (row, length) in lengths.enumerated() {
            for m in 0..<bins { for t in length..<width { features[(row * bins + m) * width + t] = 0 } }
        }
        let pack = FeaturePack(parameters: FbankParameters(frames: frames, maxFrames: width), features: features, lengths: lengths,
                               labels: source.labels, metadata: source.metadata, groups: source.groups, folds: nil, files: source.files,
                               classes: source.classes, metadataColumns: source.metadataColumns, groupNames: source.groupNames,
                               skipped: [], inputFingerprint: "windowed")
        let normalizer = FeatureNormalizer(mean: 0.5, std: 2)
        let scaler = MetadataScaler.fit(pack, rows: Array(0..<6))
        let model = try ModelFactory.make(ModelFactory.Spec(name: .baselineCNN, preset: "mini", classes: 3, frames: frames, metadataWidth: 0), seed: 4)
        let windows = ClipWindows.sliding(hop: 7)
        let loader = BatchLoader(pack: pack, rows: Array(0..<6), normalizer: normalizer, scaler: scaler,
                                 options: .evaluation(batchSize: 4, windows: windows))
        let evaluation = try Evaluation(model: model, loader: loader, classCount: 3, labelSmoothing: 0)
        XCTAssertEqual(evaluation.rows, Array(0..<6))

        model.setTraining(false)
        for (row, length) in lengths.enumerated() {
            let starts = windows.starts(length: length, frames: frames)
            var mean = [Double](repeating: 0, count: 3)
            for start in starts {
                var window = [Float](repeating: 0, count: bins * frames)
                for m in 0..<bins {
                    for t in 0..<frames where start + t < length { window[m * frames + t] = pack.features[(row * bins + m) * width + start + t] }
                }
                window = window.map { ($0 - 0.5) / 2 }
                let probabilities = try GradMode.withDisabled {
                    try model.logits(try Tensor(window, shape: [1, 1, bins, frames]), metadata: nil).softmax(axis: -1).scalars
                }
                for k in 0..<3 { mean[k] += Double(probabilities[k]) / Double(starts.count) }
            }
            for k in 0..<3 {
                XCTAssertEqual(Double(evaluation.probabilities[row * 3 + k]), mean[k], accuracy: 1e-5, "row \(row) (\(starts.count) windows), class \(k)")
            }
        }
        let loss = lengths.indices.map { -log(Double(evaluation.probabilities[$0 * 3 + pack.labels[$0]])) }.reduce(0, +) / 6
        XCTAssertEqual(evaluation.loss, loss, accuracy: 1e-5, "the loss is the cross-entropy of the clips' mean probabilities")
    }
}
