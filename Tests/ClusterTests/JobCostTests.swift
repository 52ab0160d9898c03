import Cluster
import SweepRecording
import Foundation
import Training
import XCTest

/// A planned job's cost: the model and preset's cost per example × epochs × examples × frames.
final class JobCostTests: XCTestCase {
    private func job(_ model: String, preset: String = "mini", epochs: Int, frames: Int = 100,
                     fit: Int = 200, selection: Int = 30, test: Int = 90) throws -> SweepPlan.PlannedJob {
        let json: [String: Any] = [
            "job": ["model": model, "repeat": 0, "fold": 0], "path": "\(model)/fold-0",
            "params": ["preset": preset, "epochs": String(epochs), "frames": String(frames)],
            "examples": ["fit": fit, "selection": selection, "test": test],
        ]
        return try JSONDecoder().decode(SweepPlan.PlannedJob.self, from: JSONSerialization.data(withJSONObject: json))
    }

    func testUnitsAreExamplesTimesEpochsWithScoringAtAThird() throws {
        // baseline_cnn/mini is one unit per 100-frame example: 2 epochs × (200 + 30/3) + 90/3.
        XCTAssertEqual(JobCost.estimate(try job("baseline_cnn", epochs: 2)), 450, accuracy: 1e-9)
        XCTAssertEqual(JobCost.estimate(try job("baseline_cnn", epochs: 2, frames: 200)), 900, accuracy: 1e-9)
    }

    func testTheDemosThirtyEpochASTOutweighsFifteenEpochCNNsAndPresetsScaleUp() throws {
        let ast = JobCost.estimate(try job("ast", epochs: 30))
        for model in ["baseline_cnn", "cnn_mlp", "cnn_attention"] {
            XCTAssertGreaterThan(ast, JobCost.estimate(try job(model, epochs: 15)), model)
        }
        XCTAssertGreaterThan(JobCost.estimate(try job("cnn_attention", epochs: 15)), JobCost.estimate(try job("baseline_cnn", epochs: 15)))
        XCTAssertGreaterThan(JobCost.estimate(try job("baseline_cnn", preset: "standard", epochs: 1)),
                             JobCost.estimate(try job("baseline_cnn", epochs: 10)))
    }
}
