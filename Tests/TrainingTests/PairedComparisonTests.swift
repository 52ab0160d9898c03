import Foundation
import Training
import XCTest

/// The corrected resampled t-test, its intervals and the Holm adjustment against SciPy and statsmodels
/// (Fixtures/make_t_test_fixtures.py).
final class PairedComparisonTests: XCTestCase {
    struct Fixtures: Decodable {
        struct TCase: Decodable {
            let a: [Double], b: [Double]
            let repeats: Int, folds: Int
            let test_train_ratio: Double
            let df: Int, t: Double, p: Double
        }
        struct IntervalCase: Decodable {
            let scores: [Double]
            let test_train_ratio: Double, level: Double
            let low: Double, high: Double
        }
        struct HolmCase: Decodable {
            let p: [Double], adjusted: [Double]
        }
        let t_test: [TCase]
        let intervals: [IntervalCase]
        let holm: [HolmCase]
    }

    static let fixtures: Fixtures = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/t_test.json")
        return try! JSONDecoder().decode(Fixtures.self, from: Data(contentsOf: url))
    }()

    func testMatchesSciPy() throws {
        let cases = Self.fixtures.t_test
        XCTAssertEqual(cases.count, 7)
        XCTAssertEqual(cases.filter { $0.repeats > 1 }.count, 4, "repeated k-fold cases besides the three single-repeat ones")
        for c in cases {
            let comparison = try XCTUnwrap(PairedComparison(modelA: "a", a: c.a, modelB: "b", b: c.b, metric: "accuracy",
                                                            testTrainRatio: c.test_train_ratio))
            XCTAssertEqual(comparison.df, c.df)
            XCTAssertEqual(comparison.df, c.repeats * c.folds - 1)
            XCTAssertEqual(comparison.t, c.t, accuracy: 1e-9 * max(1, abs(c.t)))
            // Relative where p is tiny (the far-tail case has p ≈ 1e-19).
            XCTAssertEqual(comparison.p, c.p, accuracy: 1e-9 * min(1, c.p))
            XCTAssertEqual(comparison.pHolm, comparison.p, "unadjusted until holmAdjusted runs")
            XCTAssertEqual(comparison.significant, c.p < 0.05)
        }
    }

    func testIntervalsMatchSciPy() throws {
        let cases = Self.fixtures.intervals
        XCTAssertEqual(cases.count, 8)
        for c in cases {
            let interval = try XCTUnwrap(CorrectedInterval(scores: c.scores, testTrainRatio: c.test_train_ratio, level: c.level))
            XCTAssertEqual(interval.low, c.low, accuracy: 1e-9 * max(1, abs(c.low)))
            XCTAssertEqual(interval.high, c.high, accuracy: 1e-9 * max(1, abs(c.high)))
        }
        let c = cases[3]
        XCTAssertEqual(c.level, 0.95)
        XCTAssertEqual(CorrectedInterval(scores: c.scores, testTrainRatio: c.test_train_ratio),
                       CorrectedInterval(scores: c.scores, testTrainRatio: c.test_train_ratio, level: 0.95), "95 % by default")
    }

    func testHolmMatchesStatsmodels() throws {
        let cases = Self.fixtures.holm
        XCTAssertEqual(cases.count, 7)
        let template = try XCTUnwrap(PairedComparison(modelA: "a", a: [0.9, 0.8], modelB: "b", b: [0.8, 0.8],
                                                      metric: "accuracy", testTrainRatio: 0.25))
        for c in cases {
            let comparisons = c.p.enumerated().map { i, p in
                var comparison = template
                (comparison.modelB, comparison.p, comparison.pHolm) = ("b\(i)", p, p)
                return comparison
            }
            let adjusted = PairedComparison.holmAdjusted(comparisons)
            XCTAssertEqual(adjusted.map(\.modelB), comparisons.map(\.modelB), "input order kept")
            XCTAssertEqual(adjusted.map(\.p), c.p, "p untouched")
            for (comparison, expected) in zip(adjusted, c.adjusted) {
                XCTAssertEqual(comparison.pHolm, expected, accuracy: 1e-12)
                XCTAssertEqual(comparison.significant, comparison.pHolm < 0.05)
            }
        }
        XCTAssertEqual(PairedComparison.holmAdjusted([]), [])
    }

    func testHolmCanTurnASignificantPairInsignificant() throws {
        let strong = try XCTUnwrap(PairedComparison(modelA: "a", a: [0.95, 0.96, 0.94, 0.95, 0.97], modelB: "b",
                                                    b: [0.70, 0.71, 0.70, 0.69, 0.72], metric: "accuracy", testTrainRatio: 0.25))
        let weak = try XCTUnwrap(PairedComparison(modelA: "a", a: [0.91, 0.93, 0.90, 0.95, 0.92], modelB: "c",
                                                  b: [0.88, 0.90, 0.89, 0.91, 0.90], metric: "accuracy", testTrainRatio: 0.25))
        let noise = try XCTUnwrap(PairedComparison(modelA: "b", a: [0.70, 0.72, 0.69], modelB: "c", b: [0.71, 0.70, 0.72],
                                                   metric: "accuracy", testTrainRatio: 0.5))
        XCTAssertTrue(weak.significant, "p ≈ 0.027 alone")
        XCTAssertLessThan(strong.p, weak.p)
        XCTAssertLessThan(weak.p, noise.p)
        let adjusted = PairedComparison.holmAdjusted([weak, noise, strong])
        XCTAssertEqual(adjusted.map(\.modelB), ["c", "c", "b"])
        XCTAssertEqual(adjusted[2].pHolm, 3 * strong.p, "smallest of m = 3: 3·p")
        XCTAssertTrue(adjusted[2].significant)
        XCTAssertEqual(adjusted[0].pHolm, 2 * weak.p, "second smallest: 2·p ≈ 0.055")
        XCTAssertFalse(adjusted[0].significant)
        XCTAssertEqual(adjusted[1].pHolm, noise.p, "largest: 1·p")
    }

    func testIdenticalScoresAreNoDifference() throws {
        let same = try XCTUnwrap(PairedComparison(modelA: "a", a: [0.9, 0.8, 0.7], modelB: "b", b: [0.9, 0.8, 0.7],
                                                  metric: "accuracy", testTrainRatio: 0.33 / 0.67))
        XCTAssertEqual(same.t, 0)
        XCTAssertEqual(same.df, 2)
        XCTAssertEqual(same.p, 1)
        XCTAssertEqual(same.pHolm, 1)
        XCTAssertFalse(same.significant)
        // Binary fractions, so that the difference is exactly constant.
        let shifted = try XCTUnwrap(PairedComparison(modelA: "a", a: [0.875, 0.75, 0.625], modelB: "b", b: [0.75, 0.625, 0.5],
                                                     metric: "accuracy", testTrainRatio: 0.5))
        XCTAssertEqual(shifted.meanDifference, 0.125)
        XCTAssertEqual(shifted.t, .infinity, "a constant difference has zero variance")
        XCTAssertEqual(shifted.p, 0)
        XCTAssertTrue(shifted.significant)
        XCTAssertNil(PairedComparison(modelA: "a", a: [0.9], modelB: "b", b: [0.8], metric: "accuracy", testTrainRatio: 1),
                     "one job cannot be tested")
        XCTAssertNil(PairedComparison(modelA: "a", a: [0.9, 0.8], modelB: "b", b: [0.8], metric: "accuracy", testTrainRatio: 1))
        for ratio in [0, -0.25, .infinity, .nan] {
            XCTAssertNil(PairedComparison(modelA: "a", a: [0.9, 0.8], modelB: "b", b: [0.8, 0.7], metric: "accuracy",
                                          testTrainRatio: ratio))
        }
    }

    func testIntervalEdgeCases() throws {
        let constant = try XCTUnwrap(CorrectedInterval(scores: [0.75, 0.75, 0.75], testTrainRatio: 0.5))
        XCTAssertEqual([constant.low, constant.high], [0.75, 0.75], "zero variance collapses to the mean")
        // asc20's AST folds: mean 0.940, the uncut interval [0.848, 1.031].
        let nearOne = try XCTUnwrap(CorrectedInterval(scores: [0.971, 0.949, 0.963, 0.963, 0.853], testTrainRatio: 0.25, possible: 0...1))
        XCTAssertEqual(nearOne.high, 1, "an accuracy's interval ends at 1")
        XCTAssertLessThan(nearOne.low, 0.9)
        XCTAssertGreaterThan(try XCTUnwrap(CorrectedInterval(scores: [0.971, 0.949, 0.963, 0.963, 0.853], testTrainRatio: 0.25)).high, 1)
        XCTAssertNil(CorrectedInterval(scores: [0.8], testTrainRatio: 0.5))
        XCTAssertNil(CorrectedInterval(scores: [0.8, 0.9], testTrainRatio: 0))
        XCTAssertNil(CorrectedInterval(scores: [0.8, 0.9], testTrainRatio: 0.5, level: 1))
        XCTAssertNil(CorrectedInterval(scores: [0.8, 0.9], testTrainRatio: 0.5, level: 0))
    }

    func testSnakeCaseKeys() throws {
        let comparison = try XCTUnwrap(PairedComparison(modelA: "a", a: [0.9, 0.8], modelB: "b", b: [0.8, 0.8],
                                                        metric: "accuracy", testTrainRatio: 0.25))
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let keys = try XCTUnwrap(JSONSerialization.jsonObject(with: encoder.encode(comparison)) as? [String: Any]).keys
        XCTAssertEqual(Set(keys), ["model_a", "model_b", "metric", "mean_difference", "t", "df", "p", "p_holm", "significant"])
    }
}
