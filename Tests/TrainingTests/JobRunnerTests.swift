import Config
import Data
import Foundation
import ModelNames
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
        let (outcome, artifacts) = runner.run(JobKey(model: .baselineCNN, fold: 0), directory: directory.path, observer: nil) {
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
        XCTAssertEqual(plan.models.map(\.rawValue), ["baseline_cnn", "ast"])
        XCTAssertEqual(plan.jobs[2].params["model_version"], "ast@1.0.0")
        let decoded = try JSONDecoder().decode(SweepPlan.self, from: JSONEncoder().encode(plan))
        XCTAssertEqual(decoded, plan)

        let spec = try JSONDecoder().decode(JobSpec.self, from: JSONEncoder().encode(plan.spec(of: plan.jobs[1])))
        XCTAssertEqual(try spec.loadConfiguration(), config)
        XCTAssertEqual(spec.folds, [folds])
        XCTAssertEqual(spec.job, JobKey(model: .baselineCNN, fold: 1))
        XCTAssertEqual(try JobRunner(sweepId: spec.sweep, config: try spec.loadConfiguration(), pack: pack, folds: spec.folds).params(spec.job), plan.jobs[1].params)
    }

    /// The refit a coordinator plans from the plan and the jobs' outcomes is the one
    /// `spectrofold refit` makes where the pack is: the same settings and the same params.
    func testARefitPlannedFromOutcomesMatchesTheLocalRefit() throws {
        let config = try config()
        let folds = try FoldAssignment.make(.stratified, pack: pack, k: 2, seed: 5)
        let plan = try SweepPlan(id: "plan-test-0a1b2c3d", experiment: "e", config: config, pack: pack,
                                 dataset: String(repeating: "ab", count: 32), datasetSource: "/data/pack.safetensors", folds: [folds])
        let outcomes = plan.jobs.enumerated().map { index, job -> JobOutcome in
            var outcome = JobOutcome.failed(job.job, error: "", modelVersion: "v", params: job.params, examples: job.examples)
            outcome.status = .finished
            outcome.error = nil
            outcome.bestEpoch = index % 2 == 0 ? 0 : 2
            outcome.metrics = ["accuracy": 0.5 + 0.1 * Double(index), "val_loss": 1]
            return outcome
        }
        let (planned, spec) = try plan.refit("ast", outcomes: outcomes)
        XCTAssertEqual(planned.path, "ast/refit")
        XCTAssertEqual(spec.job, .refit(.ast))
        XCTAssertEqual(spec.refit?.chosenEpochs, [1, 3])
        XCTAssertEqual(spec.refit?.scores.mean["accuracy"] ?? 0, 0.75, accuracy: 1e-12)
        XCTAssertEqual(planned.examples, JobExamples(fit: pack.count, selection: 0, test: 0))
        let local = try Refit(model: .ast, origin: spec.refit!, config: config)
        XCTAssertEqual(local.settings.epochs, 3, "the higher of the two middle values")
        XCTAssertEqual(planned.params, local.params(try ModelTraining(sweepId: plan.id, config: config, pack: pack)))
        XCTAssertThrowsError(try plan.refit("cnn_mlp", outcomes: outcomes)) { XCTAssertTrue("\($0)".contains("has no model 'cnn_mlp'"), "\($0)") }
        let failed = outcomes.map { var o = $0; o.status = .failed; return o }
        XCTAssertThrowsError(try plan.refit("ast", outcomes: failed)) { XCTAssertTrue("\($0)".contains("no finished job of model 'ast'"), "\($0)") }
    }
}
