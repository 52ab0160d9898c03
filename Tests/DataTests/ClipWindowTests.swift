import Audio
import Data
import Foundation
import XCTest

/// Windows of clips longer than the model's input: training crops and shifts are deterministic
/// under the seed and never read past a clip's end; scoring windows cover every frame.
final class ClipWindowTests: XCTestCase {
    /// Three clips stored 10 frames wide with 10, 7 and 3 frames of their own, 2 mel bins; a
    /// clip's frame t holds 1000 · row + 100 · bin + t + 1 and everything past its end is NaN,
    /// so a read outside a clip shows.
    private func pack() -> FeaturePack {
        let lengths = [10, 7, 3], bins = 2, width = 10
        var features = [Float](repeating: .nan, count: lengths.count * bins * width)
        for (row, length) in lengths.enumerated() {
            for m in 0..<bins { for t in 0..<length { features[(row * bins + m) * width + t] = Float(1000 * row + 100 * m + t + 1) } }
        }
        return FeaturePack(parameters: FbankParameters(numMelBins: bins, frames: 4, maxFrames: width), features: features, lengths: lengths,
                           labels: [0, 1, 0], metadata: [], groups: [0, 1, 2], folds: nil, files: ["a", "b", "c"], classes: ["x", "y"],
                           metadataColumns: [], groupNames: [], skipped: [], inputFingerprint: "windows")
    }

    private func loader(_ options: LoaderOptions) -> BatchLoader {
        BatchLoader(pack: pack(), rows: [0, 1, 2], normalizer: FeatureNormalizer(mean: 0, std: 1), scaler: MetadataScaler(mean: [], scale: []),
                    options: options)
    }

    func testTrainingWindowsAreRandomCropsAndShiftsInsideTheClip() {
        let options = LoaderOptions(batchSize: 3, shuffle: false, dropLast: false, seed: 5, windows: .training(randomCrop: true, shift: 2))
        var starts: Set<Int> = [], rolls: Set<Int> = []
        for epoch in 0..<40 {
            let batch = Array(loader(options).epoch(epoch))[0]
            XCTAssertEqual(batch.features, Array(loader(options).epoch(epoch))[0].features, "the same seed and epoch give the same windows")
            for (i, (row, length)) in zip([0, 1, 2], [10, 7, 3]).enumerated() {
                for m in 0..<2 {
                    let window = Array(batch.features[(i * 2 + m) * 4..<(i * 2 + m + 1) * 4])
                    XCTAssertFalse(window.contains { $0.isNaN }, "row \(row): read past the clip's end: \(window)")
                    let own = window.filter { $0 != 0 }.map { Int($0) - 1000 * row - 100 * m - 1 }
                    XCTAssertEqual(own.count, min(length, 4), "row \(row): \(window)")
                    XCTAssertEqual(own.sorted(), Array(own.min()!..<(own.min()! + own.count)), "consecutive frames of the clip")
                    XCTAssertEqual(own.min(), batch.starts[i])
                    XCTAssertLessThanOrEqual(own.max()!, length - 1)
                    if length > 4 {
                        starts.insert(batch.starts[i])
                        rolls.insert(window.firstIndex { Int($0) - 1000 * row - 100 * m - 1 == batch.starts[i] }!)
                    }
                }
            }
        }
        XCTAssertEqual(starts, Set(0...6), "every crop of the 10-frame clip occurs")
        XCTAssertEqual(rolls, Set(0...3), "rolls of −2 … 2 frames put a window's first frame anywhere (at k mod 4)")
        let plain = LoaderOptions(batchSize: 3, shuffle: false, dropLast: false, seed: 5, windows: .training(randomCrop: false, shift: 0))
        XCTAssertEqual(Array(loader(plain).epoch(3))[0].starts, [0, 0, 0], "without random_crop a clip's first frames")
    }

    func testScoringWindowsCoverEveryFrameOfEachClip() {
        XCTAssertEqual(ClipWindows.sliding(hop: 3).starts(length: 10, frames: 4), [0, 3, 6])
        XCTAssertEqual(ClipWindows.sliding(hop: 2).starts(length: 7, frames: 4), [0, 2, 3])
        XCTAssertEqual(ClipWindows.sliding(hop: 3).starts(length: 3, frames: 4), [0])
        XCTAssertEqual(ClipWindows.center.starts(length: 10, frames: 4), [3])
        XCTAssertEqual(ClipWindows.center.starts(length: 4, frames: 4), [0])
        let batches = Array(loader(.evaluation(batchSize: 4, windows: .sliding(hop: 3))).epoch(0))
        XCTAssertEqual(batches.flatMap(\.rows), [0, 0, 0, 1, 1, 2])
        XCTAssertEqual(batches.flatMap(\.starts), [0, 3, 6, 0, 3, 0])
        let features = batches.flatMap(\.features)
        XCTAssertFalse(features.contains { $0.isNaN })
        XCTAssertEqual(Array(features[(5 * 2) * 4..<(5 * 2 + 1) * 4]), [2001, 2002, 2003, 0], "a short clip padded with 0")
    }
}
