import Foundation
import TestSupport
import XCTest

/// `spectrofold sweep --local` with models started from checkpoints (`models.<name>.init`): the
/// jobs train from them and log which file and layout; checkpoints that cannot start a model,
/// and fine-tuning settings without one, are refused before any job runs.
final class PretrainedSweepTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory(prefix: "pretrained") }
    override func tearDown() { directory.remove() }

    private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("PretrainedTests/Fixtures")

    private func sweep(_ settings: [String]) throws -> ChildProcess.Result {
        try ChildProcess.run(try BuiltProducts.executable("spectrofold"), arguments: [
            "sweep", "--local", "--no-tracking", "--data", directory.file("pack.safetensors"), "--out", directory.file("out"),
            "--models", "baseline_cnn,ast", "--folds", "2", "--epochs", "2", "--set", "trainer.batch_size=8"] + settings)
    }

    func testJobsStartFromCheckpointsAndSaySo() throws {
        try syntheticPack(count: 48, classes: 3, frames: 32).write(to: directory.file("pack.safetensors"))
        let resnet = fixtures.appendingPathComponent("torchvision-resnet18-w16.pth").path
        let deit = fixtures.appendingPathComponent("timm-deit-distilled-d64.pth").path
        let run = try sweep(["--set", "models.baseline_cnn.init=\(resnet)", "--set", "models.ast.init=\(deit)",
                             "--set", "models.ast.trainer.head_lr_scale=10", "--set", "models.ast.trainer.freeze_epochs=1"])
        XCTAssertEqual(run.status, 0, run.standardError)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.file("out/results.json")))) as? [String: Any]
        let jobs = try XCTUnwrap(json?["jobs"] as? [[String: Any]])
        XCTAssertEqual(jobs.map { $0["status"] as? String }, ["finished", "finished", "finished", "finished"])
        let digest = { (path: String) in try ChildProcess.run("/usr/bin/sha256sum", arguments: [path]).standardOutput.prefix(64) }
        for job in jobs {
            let params = try XCTUnwrap(job["params"] as? [String: String])
            if job["model"] as? String == "ast" {
                XCTAssertEqual(params["init"], "timm-deit-distilled-d64.pth sha256:\(try digest(deit))")
                XCTAssertEqual(params["init_format"], "timm_vit")
                XCTAssertEqual(params["head_lr_scale"], "10.0")
                XCTAssertEqual(params["freeze_epochs"], "1")
            } else {
                XCTAssertEqual(params["init"], "torchvision-resnet18-w16.pth sha256:\(try digest(resnet))")
                XCTAssertEqual(params["init_format"], "torchvision_resnet")
            }
        }
    }

    func testACheckpointThatCannotStartTheModelAndSettingsWithoutOneAreRefusedBeforeAnyJob() throws {
        try syntheticPack(count: 48, classes: 3, frames: 32).write(to: directory.file("pack.safetensors"))
        let deit = fixtures.appendingPathComponent("timm-deit-distilled-d64.pth").path
        let wrongModel = try sweep(["--set", "models.baseline_cnn.init=\(deit)"])
        XCTAssertNotEqual(wrongModel.status, 0)
        XCTAssertTrue(wrongModel.standardError.contains("models.baseline_cnn.init: \(deit) is a timm_vit checkpoint, which starts ast, not baseline_cnn"),
                      wrongModel.standardError)
        // The DeiT fixture is d 64: the standard preset (d 192) does not fit it.
        let wrongSize = try sweep(["--set", "models.ast.init=\(deit)", "--set", "models.ast.preset=standard"])
        XCTAssertNotEqual(wrongSize.status, 0)
        XCTAssertTrue(wrongSize.standardError.contains("models.ast.init: the timm_vit checkpoint does not fit ast: "), wrongSize.standardError)
        let noCheckpoint = try sweep(["--set", "models.ast.trainer.freeze_epochs=1"])
        XCTAssertNotEqual(noCheckpoint.status, 0)
        XCTAssertTrue(noCheckpoint.standardError.contains("freeze_epochs applies to a model started from a checkpoint (models.ast.init)"),
                      noCheckpoint.standardError)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.file("out/results.json")), "no job ran")
    }
}
