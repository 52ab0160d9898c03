import Config
import Data
import Foundation
import ModelNames
import TestSupport
import Training
import XCTest

/// The local comparison sweep end to end on a synthetic pack: outputs, determinism and failures.
final class ComparisonSweepTests: XCTestCase {
    private func config(models: [String], epochs: Int = 3, k: Int = 2) throws -> SweepConfig {
        try ConfigLoader.load(yaml: """
            name: test
            seed: 3
            folds: {k: \(k)}
            models: {run: [\(models.joined(separator: ", "))], ast: {trainer: {batch_size: 4, dropout: 0, augment: {freq_masks: 0, time_masks: 0}}}}
            trainer: {epochs: \(epochs), batch_size: 8, lr: 2.0e-3, early_stopping: {patience: 0}}
            """, source: "test")
    }

    private func run(_ config: SweepConfig, pack: FeaturePack = syntheticPack()) throws -> (SweepResults, String) {
        let directory = try TemporaryDirectory()
        let folds = try FoldAssignment.make(.stratified, pack: pack, k: config.folds.k, seed: 3)
        let results = try ComparisonSweep(sweepId: "test-0001", config: config, pack: pack, folds: [folds], outputDirectory: directory.path).run()
        return (results, directory.path)
    }

    func testEveryModelLearnsAndWritesItsOutputs() throws {
        let (results, directory) = try run(config(models: ["baseline_cnn", "cnn_mlp", "cnn_attention", "ast"], epochs: 8),
                                           pack: syntheticPack(count: 60))
        defer { try? FileManager.default.removeItem(atPath: directory) }
        XCTAssertEqual(results.jobs.count, 8)
        for job in results.jobs {
            XCTAssertEqual(job.status, .finished, "\(job.model)/\(job.fold): \(job.error ?? "")")
            XCTAssertEqual(job.epochs.count, 8)
            XCTAssertGreaterThan(job.metrics["accuracy"]!, 0.5, "\(job.model) fold \(job.fold) should beat chance (1/3) on an easy task; chosen epoch \(job.bestEpoch ?? -1) of "
                                 + job.epochs.map { String(format: "%.2f/%.2f", $0.trainAccuracy, $0.valAccuracy ?? -1) }.joined(separator: " "))
            let folder = "\(directory)/\(job.model)/fold-\(job.fold)"
            for file in ["state_dict.safetensors", "predictions.csv", "confusion_matrix.svg", "confusion_matrix.json",
                         "training_curves.svg", "history.csv", "split.json"] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: "\(folder)/\(file)"), "\(folder)/\(file)")
            }
            let predictions = try String(contentsOfFile: "\(folder)/predictions.csv", encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(predictions.first, "path,label,predicted,p_class0,p_class1,p_class2")
            XCTAssertEqual(predictions.count - 1, job.examples.test)
        }
        // Aggregates are the mean and sample std of the folds.
        let accuracies = results.jobs.filter { $0.model == .ast }.map { $0.metrics["accuracy"]! }
        XCTAssertEqual(results.models["ast"]!["accuracy"]!.mean, accuracies.reduce(0, +) / 2, accuracy: 1e-12)
        XCTAssertEqual(results.models["ast"]!["accuracy"]!.std, abs(accuracies[0] - accuracies[1]) / 2.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(results.comparisons.count, 6, "every pair of the four models")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(directory)/results.json"))) as! [String: Any]
        let firstJob = (json["jobs"] as! [[String: Any]])[0]
        XCTAssertNotNil((firstJob["metrics"] as! [String: Double])["f1_weighted"])
        XCTAssertEqual((firstJob["per_class"] as! [[String: Any]]).count, 3, "a report line per class")
        XCTAssertNotNil(((json["models"] as! [String: Any])["baseline_cnn"] as! [String: Any])["accuracy"])
        XCTAssertTrue(results.markdownTable.contains("| cnn_attention | 2 | "))
    }

    func testSameConfigurationAndSeedGiveIdenticalMetrics() throws {
        let config = try config(models: ["baseline_cnn", "ast"], epochs: 2)
        let (first, a) = try run(config), (second, b) = try run(config)
        defer { [a, b].forEach { try? FileManager.default.removeItem(atPath: $0) } }
        XCTAssertEqual(first.jobs.map(\.metrics), second.jobs.map(\.metrics))
        XCTAssertEqual(first.jobs.map { $0.epochs.map(\.trainLoss) }, second.jobs.map { $0.epochs.map(\.trainLoss) })
    }

    func testANaNLossStopsThatJobWithAClearErrorAndOthersKeepTheirResults() throws {
        var config = try config(models: ["baseline_cnn", "ast"], epochs: 2)
        config.models.ast.trainer.lr = 1e30
        config.models.ast.trainer.gradClipNorm = 0
        config.models.ast.trainer.optimizer = .sgd
        let (results, directory) = try run(config)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        XCTAssertEqual(results.jobs.filter { $0.model == .baselineCNN }.map(\.status), [.finished, .finished])
        for job in results.jobs where job.model == .ast {
            XCTAssertEqual(job.status, .failed)
            XCTAssertTrue(job.error!.contains("loss became"), job.error!)
            XCTAssertTrue(job.error!.contains("epoch"), job.error!)
        }
        XCTAssertNotNil(results.models["baseline_cnn"])
        XCTAssertNil(results.models["ast"])
        XCTAssertTrue(results.markdownTable.contains("| ast | 0 | failed"))
    }

    /// Data no job could train with is refused before any job runs, naming the model and fold.
    func testAnEmptyFoldAndAnUnknownModelAreClearErrorsBeforeAnyJob() throws {
        let pack = syntheticPack(count: 12)
        // Three folds of which the last is empty, as a saved assignment could say.
        let saved = #"{"strategy": "manifest", "k": 3, "seed": 0, "folds": [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]}"#
        let emptyFold = try JSONDecoder().decode(FoldAssignment.self, from: Data(saved.utf8))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        XCTAssertThrowsError(try ComparisonSweep(sweepId: "test-0001", config: config(models: ["baseline_cnn"], epochs: 1, k: 3), pack: pack, folds: [emptyFold],
                                                 outputDirectory: directory.path)) { error in
            XCTAssertEqual("\(error)", "models.baseline_cnn: folds: fold 2: the held-out part has no examples")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [], "no job ran")
        XCTAssertThrowsError(try ComparisonSweep(sweepId: "test-0001", config: config(models: ["resnet50"]), pack: pack, folds: [emptyFold],
                                                 outputDirectory: directory.path)) { error in
            XCTAssertTrue("\(error)".contains("unknown model 'resnet50'"), "\(error)")
        }
    }
}
