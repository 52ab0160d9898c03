import Audio
import Data
import XCTest

final class NormalizationTests: XCTestCase {
    /// Four examples of 2 × 2 features; rows 2 and 3 hold extreme values that must not leak into the fit.
    private func pack() -> FeaturePack {
        let features: [Float] = [1, 2, 3, 4, /**/ 5, 6, 7, 8, /**/ 1000, 1000, 1000, 1000, /**/ -500, 0, 0, 0]
        let metadata: [Float] = [10, 1, 0, /**/ 20, 0, 1, /**/ 999, 1, 0, /**/ -999, 0, 1]
        return FeaturePack(parameters: FbankParameters(numMelBins: 2, frames: 2), features: features, labels: [0, 1, 0, 1],
                           metadata: metadata, groups: [0, 1, 2, 3], folds: nil, files: ["a", "b", "c", "d"], classes: ["x", "y"],
                           metadataColumns: [MetadataColumn(name: "speed", kind: .numeric), MetadataColumn(name: "v=a", kind: .categorical),
                                             MetadataColumn(name: "v=b", kind: .categorical)],
                           groupNames: [], skipped: [], inputFingerprint: "")
    }

    func testFeatureStatisticsComeFromTrainingRowsOnly() {
        let normalizer = FeatureNormalizer.fit(pack(), rows: [0, 1])
        // Values 1...8: mean 4.5, population variance (64 − 1) / 12 = 5.25.
        XCTAssertEqual(normalizer.mean, 4.5, accuracy: 1e-6)
        XCTAssertEqual(normalizer.std, Float(5.25).squareRoot(), accuracy: 1e-6)
        var values: [Float] = [4.5, 4.5 + Float(5.25).squareRoot()]
        values.withUnsafeMutableBufferPointer { normalizer.apply($0) }
        XCTAssertEqual(values[0], 0, accuracy: 1e-6)
        XCTAssertEqual(values[1], 1, accuracy: 1e-6)
    }

    func testMetadataScalesNumericColumnsAndKeepsOneHot() {
        let scaler = MetadataScaler.fit(pack(), rows: [0, 1])
        XCTAssertEqual(scaler.mean, [15, 0, 0])
        XCTAssertEqual(scaler.scale, [0.2, 1, 1])
        var row: [Float] = [20, 0, 1, 10, 1, 0]
        row.withUnsafeMutableBufferPointer { scaler.apply($0) }
        XCTAssertEqual(row, [1, 0, 1, -1, 1, 0])
    }
}

final class FoldSplitTests: XCTestCase {
    func testStatisticsAndLoadersComeFromTheFoldsTrainingRows() throws {
        let n = 12
        let features = (0..<(n * 4)).map { Float(($0 / 4) * ($0 / 4)) }
        let pack = FeaturePack(parameters: FbankParameters(numMelBins: 2, frames: 2), features: features, labels: (0..<n).map { $0 % 2 },
                               metadata: (0..<n).map(Float.init), groups: Array(0..<n), folds: nil, files: (0..<n).map { "f\($0)" },
                               classes: ["a", "b"], metadataColumns: [MetadataColumn(name: "m", kind: .numeric)],
                               groupNames: [], skipped: [], inputFingerprint: "")
        let assignment = try FoldAssignment.stratified(labels: pack.labels, classes: pack.classes, k: 3, seed: 1)
        let split = FoldSplit(pack: pack, assignment: assignment, fold: 1)
        XCTAssertEqual(Set(split.trainingRows).intersection(split.validationRows), [])
        XCTAssertEqual(split.trainingRows.count + split.validationRows.count, n)
        XCTAssertEqual(split.normalizer, FeatureNormalizer.fit(pack, rows: split.trainingRows))
        XCTAssertNotEqual(split.normalizer, FeatureNormalizer.fit(pack, rows: Array(0..<n)))
        XCTAssertEqual(split.scaler, MetadataScaler.fit(pack, rows: split.trainingRows))
        XCTAssertEqual(Array(split.validationLoader(batchSize: 3).epoch(0)).flatMap(\.rows), split.validationRows)
        let train = split.trainingLoader(LoaderOptions(batchSize: 3, shuffle: true, dropLast: false, seed: 4))
        XCTAssertEqual(Set(Array(train.epoch(0)).flatMap(\.rows)), Set(split.trainingRows))
    }
}
