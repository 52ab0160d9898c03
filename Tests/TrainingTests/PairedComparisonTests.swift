import Foundation
import Training
import XCTest

/// The corrected resampled t-test against SciPy (Fixtures/make_t_test_fixtures.py).
final class PairedComparisonTests: XCTestCase {
    struct Case: Decodable {
        let a: [Double], b: [Double]
        let test_fraction: Double, t: Double, p: Double
    }

    func testMatchesSciPy() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/t_test.json")
        let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: url))
        XCTAssertEqual(cases.count, 3)
        for c in cases {
            let comparison = try XCTUnwrap(PairedComparison(modelA: "a", a: c.a, modelB: "b", b: c.b, metric: "accuracy",
                                                            testFraction: c.test_fraction))
            XCTAssertEqual(comparison.t, c.t, accuracy: 1e-9 * max(1, abs(c.t)))
            XCTAssertEqual(comparison.p, c.p, accuracy: 1e-9)
            XCTAssertEqual(comparison.significant, c.p < 0.05)
        }
    }

    func testIdenticalScoresAreNoDifference() throws {
        let same = try XCTUnwrap(PairedComparison(modelA: "a", a: [0.9, 0.8, 0.7], modelB: "b", b: [0.9, 0.8, 0.7],
                                                  metric: "accuracy", testFraction: 0.33))
        XCTAssertEqual(same.p, 1)
        XCTAssertFalse(same.significant)
        XCTAssertNil(PairedComparison(modelA: "a", a: [0.9], modelB: "b", b: [0.8], metric: "accuracy", testFraction: 0.5),
                     "one fold cannot be tested")
    }
}
