import Config
import Data
import Foundation
import TestSupport
import Training
import XCTest

/// The job runner the local sweep and cluster workers share, and the plan a coordinator gets.
final class JobRunnerTests: XCTestCase {
    private let pack = syntheticPack(count: 24)

    private func config() throws -> SweepConfig {
        try ConfigLoader.load(yaml: """
            name: plan-test
            seed: 5
            folds: {k: 2}
            models: {run: [baseline_cnn, ast]}
            trainer: {epochs: 3, batch_size: 4, early_stopping: {patience: 0}}
            """, source: "test")
    }

    func testACancelledJobStopsAfterTheBatchAndSaysWhere() throws {
        let folds = try FoldAssignment.make(.stratified, pack: pack, k: 2, seed: 5)
        let runner = try JobRunner(sweepId: "test-0001", config: try config(), pack: pack, folds: [folds])
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var polls = 0
        let (outcome, artifacts) = runner.run(JobKey(model: "baseline_cnn", fold: 0), directory: directory.path, observer: nil) {
            polls += 1
            return polls == 2
        }
        XCTAssertEqual(outcome.status, .failed)
        XCTAssertEqual(outcome.error, "cancelled at epoch 1 after batch 2")
        XCTAssertNil(artifacts)
        XCTAssertEqual(polls, 2, "no batch runs after the cancellation is seen")
    }

    /// What a worker decodes from ASSIGN trains exactly what a local sweep trains.
    func testAPlanRoundTripsAndItsJobSpecsRebuildTheSameJob() throws {
        let config = try config()
        let folds = try FoldAssignment.make(.stratified, pack: pack, k: 2, seed: 5)
        let plan = try SweepPlan(id: "plan-test-0a1b2c3d", experiment: "e", config: config, pack: pack,
                                 dataset: String(repeating: "ab", count: 32), datasetSource: "/data/pack.safetensors", folds: [folds])
        XCTAssertEqual(plan.jobs.map(\.path), ["baseline_cnn/fold-0", "baseline_cnn/fold-1", "ast/fold-0", "ast/fold-1"])
        XCTAssertEqual(plan.models, ["baseline_cnn", "ast"])
        XCTAssertEqual(plan.jobs[2].params["model_version"], "ast@1.0.0")
        let decoded = try JSONDecoder().decode(SweepPlan.self, from: JSONEncoder().encode(plan))
        XCTAssertEqual(decoded, plan)

        let spec = try JSONDecoder().decode(JobSpec.self, from: JSONEncoder().encode(plan.spec(of: plan.jobs[1])))
        XCTAssertEqual(try spec.loadConfiguration(), config)
        XCTAssertEqual(spec.folds, [folds])
        XCTAssertEqual(spec.job, JobKey(model: "baseline_cnn", fold: 1))
        XCTAssertEqual(try JobRunner(sweepId: spec.sweep, config: try spec.loadConfiguration(), pack: pack, folds: spec.folds).params(spec.job), plan.jobs[1].params)
    }
}
