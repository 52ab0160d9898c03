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
