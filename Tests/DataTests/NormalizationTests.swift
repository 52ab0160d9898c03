import Config
import Audio
import Data
import TestSupport
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

final class JobSplitTests: XCTestCase {
    /// 12 rows of two classes, one group per row, one numeric metadata column.
    private func smallPack() -> FeaturePack {
        let n = 12
        return FeaturePack(parameters: FbankParameters(numMelBins: 2, frames: 2), features: (0..<(n * 4)).map { Float(($0 / 4) * ($0 / 4)) },
                           labels: (0..<n).map { $0 % 2 }, metadata: (0..<n).map(Float.init), groups: Array(0..<n), folds: nil,
                           files: (0..<n).map { "f\($0)" }, classes: ["a", "b"], metadataColumns: [MetadataColumn(name: "m", kind: .numeric)],
                           groupNames: [], skipped: [], inputFingerprint: "")
    }

    func testThePartsAreDisjointAndStatisticsComeFromTheFitPartOnly() throws {
        let pack = smallPack()
        let folds = try FoldAssignment.stratified(labels: pack.labels, classes: pack.classes, k: 3, seed: 1)
        let split = try JobSplit(pack: pack, folds: folds, repeat: 0, fold: 1, selection: .inner, fraction: 0.25, seed: 9)
        XCTAssertEqual(split.testRows, folds.validationRows(fold: 1), "the held-out part is exactly the fold")
        XCTAssertEqual(Set(split.fitRows).intersection(split.selectionRows), [])
        XCTAssertEqual(Set(split.fitRows + split.selectionRows), Set(folds.trainingRows(fold: 1)))
        XCTAssertEqual(Set(split.selectionRows.map { pack.labels[$0] }), [0, 1], "every class in the selection part")
        XCTAssertEqual(split.selectionRows.count, 2, "a quarter of 8 training rows, one per class")
        XCTAssertEqual(split.normalizer, FeatureNormalizer.fit(pack, rows: split.fitRows))
        XCTAssertNotEqual(split.normalizer, FeatureNormalizer.fit(pack, rows: folds.trainingRows(fold: 1)))
        XCTAssertEqual(split.scaler, MetadataScaler.fit(pack, rows: split.fitRows))
        XCTAssertEqual(Array(split.testLoader(batchSize: 3).epoch(0)).flatMap(\.rows), split.testRows)
        XCTAssertEqual(Array(try XCTUnwrap(split.selectionLoader(batchSize: 3)).epoch(0)).flatMap(\.rows), split.selectionRows)
        let fit = split.fitLoader(LoaderOptions(batchSize: 3, shuffle: true, dropLast: false, seed: 4))
        XCTAssertEqual(Set(Array(fit.epoch(0)).flatMap(\.rows)), Set(split.fitRows))

        let last = try JobSplit(pack: pack, folds: folds, repeat: 0, fold: 1, selection: .last, fraction: 0.25, seed: 9)
        XCTAssertEqual(last.fitRows, folds.trainingRows(fold: 1))
        XCTAssertEqual(last.selectionRows, [])
        XCTAssertNil(last.selectionLoader(batchSize: 3))
    }

    /// Whole groups go to one part; the split depends on the seed, the repeat and the fold only.
    func testGroupsNeverCrossPartsAndTheSplitIsDeterministic() throws {
        let pack = syntheticPack(count: 96, classes: 3, frames: 4)
        let folds = try FoldAssignment.stratifiedGroup(labels: pack.labels, groups: pack.groups, classes: pack.classes, k: 4, seed: 2)
        func split(repeat r: Int, fold: Int, seed: UInt64 = 5) throws -> JobSplit {
            try JobSplit(pack: pack, folds: folds, repeat: r, fold: fold, selection: .inner, fraction: 0.15, seed: seed)
        }
        for fold in 0..<4 {
            let s = try split(repeat: 0, fold: fold)
            let parts = [s.fitRows, s.selectionRows, s.testRows].map { Set($0.map { pack.groups[$0] }) }
            XCTAssertEqual(parts[0].intersection(parts[1]), [], "fold \(fold): fit and selection share no group")
            XCTAssertEqual(parts[0].union(parts[1]).intersection(parts[2]), [], "fold \(fold): no training group is held out")
            XCTAssertEqual(Set(s.selectionRows.map { pack.labels[$0] }), [0, 1, 2])
            let share = Double(s.selectionRows.count) / Double(s.fitRows.count + s.selectionRows.count)
            XCTAssertEqual(share, 0.15, accuracy: 0.08, "fold \(fold)")
            XCTAssertEqual(try split(repeat: 0, fold: fold).selectionRows, s.selectionRows)
        }
        XCTAssertNotEqual(try split(repeat: 1, fold: 0).selectionRows, try split(repeat: 0, fold: 0).selectionRows)
        XCTAssertNotEqual(try split(repeat: 0, fold: 0, seed: 6).selectionRows, try split(repeat: 0, fold: 0).selectionRows)
    }

    func testAClassThatCannotBeInBothPartsIsAnErrorNamingIt() throws {
        var pack = smallPack()
        pack.labels[11] = 2
        pack.classes.append("rare")
        let folds = try FoldAssignment.manifest(folds: (0..<12).map { $0 < 6 ? 0 : 1 })
        XCTAssertThrowsError(try JobSplit(pack: pack, folds: folds, repeat: 0, fold: 0, selection: .inner, fraction: 0.15, seed: 1)) { error in
            XCTAssertEqual("\(error)", "trainer.selection_fraction: fold 0: class 'rare' cannot be in both the fit and the selection part "
                           + "(1 training example(s) in 1 group(s)); use more data per class, fewer folds, or trainer.selection: last")
        }
        XCTAssertNoThrow(try JobSplit(pack: pack, folds: folds, repeat: 0, fold: 0, selection: .last, fraction: 0.15, seed: 1))
    }
}
