import Foundation
import Training
import XCTest

/// `ClassificationMetrics` against scikit-learn on `Fixtures/metric_fixtures.json`
/// (`Fixtures/make_metric_fixtures.py`).
final class MetricsTests: XCTestCase {
    private struct Fixtures: Decodable {
        struct Scores: Decodable {
            let precision: Double
            let recall: Double
            let f1: Double
        }
        struct PerClass: Decodable {
            let precision: [Double]
            let recall: [Double]
            let f1: [Double]
            let support: [Double]
        }
        struct Case: Decodable {
            let name: String
            let classes: Int
            let labels: [Int]
            let predictions: [Int]
            let accuracy: Double
            let per_class: PerClass
            let confusion_matrix: [[Int]]
            let macro: Scores
            let weighted: Scores
        }
        let cases: [Case]
    }

    private let tolerance = 1e-12

    func testMetricsMatchScikitLearn() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/metric_fixtures.json")
        let fixtures = try JSONDecoder().decode(Fixtures.self, from: Data(contentsOf: url))
        XCTAssertEqual(fixtures.cases.count, 12)
        for fixture in fixtures.cases {
            let name = fixture.name
            let metrics = try ClassificationMetrics(labels: fixture.labels, predictions: fixture.predictions,
                                                    classCount: fixture.classes)
            XCTAssertEqual(metrics.confusionMatrix, fixture.confusion_matrix, name)
            XCTAssertEqual(metrics.accuracy, fixture.accuracy, accuracy: tolerance, name)
            XCTAssertEqual(metrics.precisionMacro, fixture.macro.precision, accuracy: tolerance, "\(name) precision macro")
            XCTAssertEqual(metrics.recallMacro, fixture.macro.recall, accuracy: tolerance, "\(name) recall macro")
            XCTAssertEqual(metrics.f1Macro, fixture.macro.f1, accuracy: tolerance, "\(name) f1 macro")
            XCTAssertEqual(metrics.precisionWeighted, fixture.weighted.precision, accuracy: tolerance, "\(name) precision weighted")
            XCTAssertEqual(metrics.recallWeighted, fixture.weighted.recall, accuracy: tolerance, "\(name) recall weighted")
            XCTAssertEqual(metrics.f1Weighted, fixture.weighted.f1, accuracy: tolerance, "\(name) f1 weighted")
            XCTAssertEqual(metrics.perClass.count, fixture.classes, name)
            for (c, report) in metrics.perClass.enumerated() {
                XCTAssertEqual(report.precision, fixture.per_class.precision[c], accuracy: tolerance, "\(name) class \(c) precision")
                XCTAssertEqual(report.recall, fixture.per_class.recall[c], accuracy: tolerance, "\(name) class \(c) recall")
                XCTAssertEqual(report.f1, fixture.per_class.f1[c], accuracy: tolerance, "\(name) class \(c) f1")
                XCTAssertEqual(Double(report.support), fixture.per_class.support[c], "\(name) class \(c) support")
            }
        }
    }

    func testNamedMetricsUseResultKeys() throws {
        let metrics = try ClassificationMetrics(labels: [0, 1, 1], predictions: [0, 1, 0], classCount: 2)
        XCTAssertEqual(metrics.named.map(\.name.rawValue), ["accuracy", "f1_weighted", "precision_weighted", "recall_weighted",
                                                   "f1_macro", "precision_macro", "recall_macro"])
        XCTAssertEqual(metrics.named[0].value, 2.0 / 3.0)
        XCTAssertEqual(metrics.named[1].value, metrics.f1Weighted)
    }

    func testBadInputIsNamed() {
        XCTAssertThrowsError(try ClassificationMetrics(labels: [0, 1, 3], predictions: [0, 1, 1], classCount: 3)) {
            XCTAssertEqual("\($0)", "sample 2: label 3 is outside the classes 0..<3")
        }
        XCTAssertThrowsError(try ClassificationMetrics(labels: [0, 1], predictions: [0, -1], classCount: 3)) {
            XCTAssertEqual("\($0)", "sample 1: prediction -1 is outside the classes 0..<3")
        }
        XCTAssertThrowsError(try ClassificationMetrics(labels: [0], predictions: [0, 1], classCount: 3)) {
            XCTAssertEqual("\($0)", "1 labels but 2 predictions")
        }
        XCTAssertThrowsError(try ClassificationMetrics(labels: [], predictions: [], classCount: 3)) {
            XCTAssertEqual("\($0)", "no samples")
        }
    }
}
