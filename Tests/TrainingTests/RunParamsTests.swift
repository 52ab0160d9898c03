import Config
import Data
import Foundation
import TestSupport
import Training
import XCTest

/// The MLflow params a job and a refit log, pinned key by key: runs compared across versions
/// need the same names and the same value strings.
final class RunParamsTests: XCTestCase {
    private let pack = syntheticPack(count: 24, frames: 40)

    /// Every trainer setting away from its default, two repeats, sliding windows.
    private func config() throws -> SweepConfig {
        try ConfigLoader.load(
            yaml: """
                name: params-test
                seed: 11
                folds: {k: 2, repeats: 2}
                evaluation: {windows: sliding, hop_frames: 7}
                models: {run: [baseline_cnn, ast], ast: {preset: standard, trainer: {lr: 3.0e-4, batch_size: 5}}}
                trainer:
                  epochs: 4
                  batch_size: 6
                  optimizer: sgd
                  lr: 0.02
                  momentum: 0.8
                  nesterov: true
                  weight_decay: 0.001
                  dropout: 0.3
                  label_smoothing: 0.1
                  grad_clip_norm: 2.5
                  selection: inner
                  selection_fraction: 0.25
                  ema_decay: 0.99
                  scheduler: {name: cosine, warmup_epochs: 1}
                  early_stopping: {patience: 3}
                  augment: {freq_masks: 1, freq_mask_param: 8, time_masks: 3, time_mask_param: 5, mixup_alpha: 0.4, mixup_prob: 0.5,
                            random_crop: false, time_shift_frames: 2, freq_warp: 0.1, time_stretch: 0.15}
                """, source: "test")
    }

    private func plan() throws -> SweepPlan {
        let config = try config()
        let folds = try FoldAssignment.repeated(.stratified, pack: pack, k: 2, repeats: 2, seed: 11)
        return try SweepPlan(
            id: "params-test-0a1b2c3d", experiment: "e", config: config, pack: pack,
            dataset: String(repeating: "ab", count: 32), datasetSource: "/data/pack.safetensors", folds: folds)
    }

    /// The trainer settings every run logs, under the names runs have always had.
    private let trainerParams = [
        "learning_rate": "0.0003", "optimizer": "sgd", "batch_size": "5", "dropout": "0.3", "epochs": "4", "weight_decay": "0.001",
        "momentum": "0.8", "nesterov": "true", "label_smoothing": "0.1", "grad_clip_norm": "2.5", "scheduler": "cosine",
        "early_stopping_patience": "3", "selection": "inner", "selection_fraction": "0.25", "freq_masks": "1", "freq_mask_param": "8",
        "time_masks": "3", "time_mask_param": "5", "mixup_alpha": "0.4", "mixup_prob": "0.5", "ema_decay": "0.99", "swa_epochs": "0",
        "random_crop": "false", "time_shift_frames": "2", "freq_warp": "0.1", "time_stretch": "0.15"
    ]

    /// What the model and the pack add.
    private let modelParams = [
        "model_version": "ast@1.0.0", "preset": "standard", "seed": "11", "frames": "40", "max_frames": "40",
        "evaluation_windows": "sliding(hop: 7)", "mel_bins": "128", "classes": "3", "subtract_clip_mean": "false"
    ]

    func testAJobLogsEveryHyperparameterUnderItsMLflowName() throws {
        let plan = try plan()
        let job = try XCTUnwrap(plan.jobs.first { $0.path == "ast/rep-1/fold-0" })
        let folds = ["fold": "0", "folds": "2", "repeat": "1", "repeats": "2", "fold_strategy": "stratified"]
        XCTAssertEqual(job.params, trainerParams.merging(modelParams) { $1 }.merging(folds) { $1 })
    }

    /// A refit logs its job's params without the place in the folds, its own epochs and selection,
    /// and how it chose them.
    func testARefitLogsTheJobsParamsWithItsOwnSettings() throws {
        let plan = try plan()
        let refit = try plan.refit(
            "ast",
            outcomes: plan.jobs.map { job in
                var outcome = JobOutcome.failed(job.job, error: "", modelVersion: "v", params: job.params, examples: job.examples)
                (outcome.status, outcome.error, outcome.bestEpoch, outcome.metrics) = (.finished, nil, job.job.fold, ["accuracy": 0.5])
                return outcome
            })
        let own = ["epochs": "2", "selection": "last", "refit_selection": "last", "refit_chosen_epochs": "1,2,1,2"]
        XCTAssertEqual(refit.planned.params, trainerParams.merging(modelParams) { $1 }.merging(own) { $1 })
    }

    /// A model started from a checkpoint also logs its fine-tuning settings.
    func testAPretrainedStartAddsItsFineTuningSettings() throws {
        var settings = try config().models.ast.trainer
        (settings.headLrScale, settings.freezeEpochs) = (0.1, 2)
        XCTAssertEqual(
            ModelTraining.trainerParams(settings, pretrained: true),
            trainerParams.merging(["head_lr_scale": "0.1", "freeze_epochs": "2"]) { $1 })
        XCTAssertEqual(ModelTraining.trainerParams(settings, pretrained: false), trainerParams)
    }
}
