import Config
import Data
import XCTest

final class FoldsTests: XCTestCase {
    /// 7 classes of 3..40 members, 10 to 17 groups per class (groups never span classes here).
    private func labelsAndGroups() -> (labels: [Int], groups: [Int], classes: [String]) {
        var labels: [Int] = [], groups: [Int] = []
        let sizes = [40, 33, 25, 17, 12, 7, 5]
        var group = 0
        for (c, size) in sizes.enumerated() {
            for i in 0..<size {
                labels.append(c)
                groups.append(group + i % 3)
            }
            group += 3
        }
        return (labels, groups, sizes.indices.map { "c\($0)" })
    }

    func testStratifiedCountsPerClassWithinOneOfIdeal() throws {
        let (labels, _, classes) = labelsAndGroups()
        for k in [2, 3, 5] {
            let assignment = try FoldAssignment.stratified(labels: labels, classes: classes, k: k, seed: 11)
            XCTAssertEqual(assignment.k, k)
            for c in classes.indices {
                let n = labels.filter { $0 == c }.count
                for fold in 0..<k {
                    let count = assignment.validationRows(fold: fold).filter { labels[$0] == c }.count
                    XCTAssertTrue(count == n / k || count == (n + k - 1) / k, "k \(k) class \(c) fold \(fold): \(count) of \(n)")
                }
            }
            let sizes = (0..<k).map { assignment.validationRows(fold: $0).count }
            XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1)
            XCTAssertEqual(Set(assignment.trainingRows(fold: 0)).union(assignment.validationRows(fold: 0)).count, labels.count)
        }
    }

    func testSameSeedSameFoldsOtherSeedOtherFolds() throws {
        let (labels, groups, classes) = labelsAndGroups()
        let a = try FoldAssignment.stratified(labels: labels, classes: classes, k: 4, seed: 3)
        XCTAssertEqual(a, try FoldAssignment.stratified(labels: labels, classes: classes, k: 4, seed: 3))
        XCTAssertNotEqual(a.folds, try FoldAssignment.stratified(labels: labels, classes: classes, k: 4, seed: 4).folds)
        let g = try FoldAssignment.stratifiedGroup(labels: labels, groups: groups, classes: classes, k: 3, seed: 3)
        XCTAssertEqual(g, try FoldAssignment.stratifiedGroup(labels: labels, groups: groups, classes: classes, k: 3, seed: 3))
    }

    func testStratifiedGroupKeepsEachGroupInOneFold() throws {
        // Speakers that say every class: 9 speakers, 4 classes, uneven counts.
        var labels: [Int] = [], groups: [Int] = []
        for speaker in 0..<9 {
            for c in 0..<4 {
                for _ in 0..<(2 + (speaker + c) % 3) {
                    labels.append(c)
                    groups.append(speaker * 7 + 1)
                }
            }
        }
        let classes = ["a", "b", "c", "d"]
        for seed: UInt64 in [0, 1, 2] {
            let assignment = try FoldAssignment.stratifiedGroup(labels: labels, groups: groups, classes: classes, k: 3, seed: seed)
            var foldOfGroup: [Int: Int] = [:]
            for (row, group) in groups.enumerated() {
                XCTAssertEqual(foldOfGroup[group, default: assignment.folds[row]], assignment.folds[row], "group \(group) in two folds")
                foldOfGroup[group] = assignment.folds[row]
            }
            // 9 speakers over 3 folds: three each, and every class present in every fold.
            XCTAssertEqual(Dictionary(grouping: foldOfGroup.values, by: { $0 }).mapValues(\.count), [0: 3, 1: 3, 2: 3])
            for fold in 0..<3 {
                XCTAssertEqual(Set(assignment.validationRows(fold: fold).map { labels[$0] }), [0, 1, 2, 3])
            }
        }
    }

    func testManifestFoldsMapToConsecutiveIndices() throws {
        let assignment = try FoldAssignment.manifest(folds: [5, 1, 3, 1, 5, 3])
        XCTAssertEqual(assignment.k, 3)
        XCTAssertEqual(assignment.folds, [2, 0, 1, 0, 2, 1])
        XCTAssertEqual(assignment.trainingRows(fold: 0), [0, 2, 4, 5])
    }

    func testClearErrors() {
        let classes = ["dog", "cat"]
        XCTAssertThrowsError(try FoldAssignment.stratified(labels: [0, 0, 0, 0, 0, 1, 1, 1], classes: classes, k: 5, seed: 0)) {
            XCTAssertEqual("\($0)", "folds: class 'cat' has 3 example(s), fewer than k = 5 folds")
        }
        XCTAssertThrowsError(try FoldAssignment.stratifiedGroup(labels: [0, 0, 0, 1, 1, 1], groups: [0, 0, 1, 1, 0, 0], classes: classes, k: 3, seed: 0)) {
            XCTAssertEqual("\($0)", "folds: only 2 groups for k = 3 folds: each fold needs a group of its own")
        }
        XCTAssertThrowsError(try FoldAssignment.manifest(folds: [1, 1, 1])) {
            XCTAssertEqual("\($0)", "folds: the manifest's fold column has 1 distinct value(s); cross-validation needs at least 2")
        }
    }
}
