import Data
import Foundation
import TestSupport
import XCTest

/// The evaluation protocol through `spectrofold sweep --local`: the held-out fold steers no
/// training decision, every job writes its split, repeats multiply the jobs, and settings no job
/// could train with are refused before any job runs.
final class HonestEvaluationTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory(prefix: "honest") }
    override func tearDown() { directory.remove() }

    private func sweep(_ pack: String, out: String, _ settings: [String]) throws -> ChildProcess.Result {
        try ChildProcess.run(try BuiltProducts.executable("spectrofold"), arguments: [
            "sweep", "--local", "--no-tracking", "--data", pack, "--out", directory.file(out),
            "--set", "trainer.batch_size=8", "--set", "name=honest"] + settings)
    }

    private func results(_ out: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.file("\(out)/results.json")))) as? [String: Any])
    }

    private func job(_ out: String, _ path: String) throws -> [String: Any] {
        let jobs = try results(out)["jobs"] as? [[String: Any]] ?? []
        return try XCTUnwrap(jobs.first { "\($0["model"]!)/fold-\($0["fold"]!)" == path || "\($0["model"]!)/rep-\($0["repeat"]!)/fold-\($0["fold"]!)" == path })
    }

    /// Relabelling the held-out fold (same features) changes no training decision of that fold's
    /// jobs: the same chosen epoch, the same weights, byte for byte, the same predictions; only
    /// the labels they are scored against differ.
    func testTheHeldOutLabelsSteerNothing() throws {
        var pack = syntheticPack(count: 72, classes: 3, frames: 16, seed: 3)
        pack.folds = pack.groups.map { $0 % 2 }
        try pack.write(to: directory.file("original.safetensors"))
        for row in pack.indices(fold: 0) { pack.labels[row] = (pack.labels[row] + 1) % pack.classes.count }
        try pack.write(to: directory.file("relabelled.safetensors"))
        let settings = ["--models", "baseline_cnn,ast", "--epochs", "6", "--set", "folds.strategy=manifest",
                        "--set", "trainer.early_stopping.patience=2", "--set", "trainer.scheduler.name=plateau",
                        "--set", "trainer.scheduler.patience=1"]
        for name in ["original", "relabelled"] {
            let run = try sweep(directory.file("\(name).safetensors"), out: name, settings)
            XCTAssertEqual(run.status, 0, run.standardError)
        }
        for model in ["baseline_cnn", "ast"] {
            let (a, b) = (try job("original", "\(model)/fold-0"), try job("relabelled", "\(model)/fold-0"))
            XCTAssertEqual(a["best_epoch"] as? Int, b["best_epoch"] as? Int, model)
            XCTAssertEqual((a["epochs"] as? [Any])?.count, (b["epochs"] as? [Any])?.count, "\(model): the same early stop")
            let weights = try ["original", "relabelled"].map { try Data(contentsOf: URL(fileURLWithPath: directory.file("\($0)/\(model)/fold-0/state_dict.safetensors"))) }
            XCTAssertEqual(weights[0], weights[1], "\(model): the same weights")
            let predictions = try ["original", "relabelled"].map {
                try String(contentsOfFile: directory.file("\($0)/\(model)/fold-0/predictions.csv"), encoding: .utf8)
                    .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
            }
            XCTAssertEqual(predictions[0].map { [$0[0]] + $0.dropFirst(2) }, predictions[1].map { [$0[0]] + $0.dropFirst(2) },
                           "\(model): the same predictions and probabilities for every held-out clip")
            XCTAssertNotEqual(predictions[0].map { $0[1] }, predictions[1].map { $0[1] }, "\(model): scored against the changed labels")
        }
        // split.json: three disjoint parts, `test` exactly the fold, no group across parts.
        for fold in 0..<2 {
            let split = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath:
                directory.file("original/ast/fold-\(fold)/split.json")))) as? [String: [Int]])
            let (fit, selection, test) = (Set(split["fit"]!), Set(split["selection"]!), split["test"]!)
            XCTAssertEqual(test, pack.indices(fold: fold))
            XCTAssertTrue(fit.isDisjoint(with: selection) && fit.isDisjoint(with: test) && selection.isDisjoint(with: test))
            XCTAssertEqual(fit.count + selection.count + test.count, pack.count)
            let groups = [fit, selection, Set(test)].map { Set($0.map { pack.groups[$0] }) }
            XCTAssertTrue(groups[0].isDisjoint(with: groups[1]) && groups[2].isDisjoint(with: groups[0].union(groups[1])), "fold \(fold)")
            let examples = try job("original", "ast/fold-\(fold)")["examples"] as? [String: Int]
            XCTAssertEqual(examples, ["fit": fit.count, "selection": selection.count, "test": test.count])
        }
    }

    /// Two repeats of two folds: four jobs per model under rep-<r>/fold-<k>, the folds listed per
    /// repeat, and the corrected test and intervals over all four.
    func testRepeatsMultiplyTheJobsAndTheComparisonUsesThemAll() throws {
        try syntheticPack(count: 48, classes: 3, frames: 16, seed: 4).write(to: directory.file("pack.safetensors"))
        let run = try sweep(directory.file("pack.safetensors"), out: "out", ["--models", "baseline_cnn,ast", "--folds", "2", "--epochs", "2",
                                                                             "--set", "folds.repeats=2"])
        XCTAssertEqual(run.status, 0, run.standardError)
        let json = try results("out")
        let jobs = json["jobs"] as? [[String: Any]] ?? []
        XCTAssertEqual(jobs.map { "\($0["model"]!)/\($0["repeat"]!)/\($0["fold"]!)" },
                       ["baseline_cnn/0/0", "baseline_cnn/0/1", "baseline_cnn/1/0", "baseline_cnn/1/1", "ast/0/0", "ast/0/1", "ast/1/0", "ast/1/1"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.file("out/ast/rep-1/fold-0/split.json")))
        let folds = json["folds"] as? [[Int]]
        XCTAssertEqual(folds?.count, 2)
        XCTAssertNotEqual(folds?[0], folds?[1], "each repeat its own assignment")
        let comparison = try XCTUnwrap((json["comparisons"] as? [[String: Any]])?.first)
        XCTAssertEqual(comparison["df"] as? Int, 3)
        XCTAssertNotNil(comparison["p_holm"])
        let accuracy = ((json["models"] as? [String: Any])?["ast"] as? [String: Any])?["accuracy"] as? [String: Double]
        XCTAssertLessThanOrEqual(accuracy?["ci95_low"] ?? 2, accuracy?["mean"] ?? -1)
        XCTAssertGreaterThanOrEqual(accuracy?["ci95_high"] ?? -1, accuracy?["mean"] ?? 2)
        XCTAssertTrue(run.standardOutput.contains("p (Holm)"), run.standardOutput)
    }

    /// Settings no job could train with are refused at load time, naming the key and the model,
    /// before anything trains.
    func testSettingsNoJobCouldTrainWithAreRefusedBeforeAnyJob() throws {
        try syntheticPack(count: 24, classes: 3, frames: 16).write(to: directory.file("pack.safetensors"))
        // Two groups of four: with two grouped folds, each training part is one group, which
        // cannot give both a fit and a selection part.
        try syntheticPack(count: 8, classes: 3, frames: 16).write(to: directory.file("two-groups.safetensors"))
        let cases: [(String, [String], String)] = [
            ("pack", ["--set", "models.ast.trainer.scheduler.name=cosine", "--set", "models.ast.trainer.scheduler.warmup_epochs=3"],
             "models.ast.trainer.scheduler.warmup_epochs: model 'ast': a cosine warm-up of 3 epochs leaves none of its 3 epochs to anneal"),
            ("pack", ["--set", "trainer.selection=last", "--set", "trainer.scheduler.name=plateau"],
             "models.baseline_cnn.trainer.selection: model 'baseline_cnn': selection 'last' has no selection part"),
            ("two-groups", ["--set", "folds.strategy=stratified_group", "--folds", "2"],
             "models.baseline_cnn: trainer.selection_fraction: fold 0: class 'class0' cannot be in both the fit and the selection part"),
        ]
        for (index, (pack, settings, message)) in cases.enumerated() {
            let run = try sweep(directory.file("\(pack).safetensors"), out: "refused-\(index)", ["--models", "baseline_cnn,ast", "--epochs", "3"] + settings)
            XCTAssertNotEqual(run.status, 0)
            XCTAssertTrue(run.standardError.contains(message), "\(settings): \(run.standardError)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: directory.file("refused-\(index)/results.json")), "no job ran")
        }
    }
}

extension FeaturePack {
    /// The rows whose fold column says `fold`.
    func indices(fold: Int) -> [Int] { (folds ?? []).indices.filter { folds![$0] == fold } }
}
