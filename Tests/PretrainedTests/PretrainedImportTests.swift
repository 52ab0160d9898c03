import Checkpoint
import Foundation
import ModelNames
import NN
import Pretrained
import SafeTensors
import Tensor
import TestSupport
import XCTest

/// Starting models from checkpoints in their sources' own layouts, against the sources' own code
/// and the reference adaptation (Fixtures/make_pretrained_fixtures.py): the imported model's
/// logits equal the reference model's on the same file.
final class PretrainedImportTests: XCTestCase {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    /// Imports `checkpoint` (read by `CheckpointFile`, layout from its keys) into `model` at
    /// `preset`, copies in the fresh tensors' reference values, and compares the eval-mode logits
    /// with the reference's; both files are in `directory`.
    @discardableResult
    private func check(_ checkpoint: String, expected: String, model name: ModelName, frames: Int, metadata: Int = 0,
                       preset: String = "mini", directory: String = fixtures,
                       file: StaticString = #filePath, line: UInt = #line) throws -> ImportReport {
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        let model = try ModelFactory.make(ModelFactory.Spec(name: name, preset: preset, classes: 5, frames: frames, metadataWidth: metadata), seed: 9)
        let report = try PretrainedImport.start(model, modelName: name, from: CheckpointFile.read(contentsOf: path(checkpoint)))
        let reference = try SafeTensorsFile.read(contentsOf: path(expected))
        let freshKeys = reference.names.filter { $0.hasPrefix("fresh.") }.map { String($0.dropFirst(6)) }
        XCTAssertEqual(Set(report.fresh), Set(freshKeys), "the tensors that start fresh", file: file, line: line)
        var state = StateDict.file(of: model)
        for key in freshKeys {
            let values = try reference.floats(named: "fresh." + key)
            state[key] = state[key]!.dtype == .int64 ? SafeTensor(int64s: values.values.map { Int64($0) }, shape: values.shape)
                : SafeTensor(floats: values.values, shape: values.shape)
        }
        try StateDict.load(state, into: model)
        model.setTraining(false)
        let x = try reference.floats(named: "x")
        let meta = try reference["metadata"].map { _ in try reference.floats(named: "metadata") }
        let logits = try GradMode.withDisabled {
            try model.logits(Tensor(x.values, shape: x.shape), metadata: meta.map { try Tensor($0.values, shape: $0.shape) })
        }
        let expectedLogits = try reference.floats(named: "logits")
        XCTAssertEqual(logits.shape, expectedLogits.shape, file: file, line: line)
        let difference = zip(logits.scalars, expectedLogits.values).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThanOrEqual(difference, 1e-4, "\(checkpoint) → \(name): max |Δ logit|", file: file, line: line)
        return report
    }

    func testTorchvisionResNetStartsEachCNN() throws {
        try check("torchvision-resnet18-w16.pth", expected: "torchvision-resnet18-w16-baseline_cnn-expected.safetensors",
                  model: .baselineCNN, frames: 100)
        let report = try check("torchvision-resnet18-w16.safetensors", expected: "torchvision-resnet18-w16-baseline_cnn-expected.safetensors",
                               model: .baselineCNN, frames: 100)
        XCTAssertEqual(report.layout, .torchvisionResNet)
        XCTAssertEqual(report.adapted.map(\.key), ["conv1.weight"])
        XCTAssertEqual(report.fresh, ["fc.weight", "fc.bias"], "1000 ImageNet classes against 5")
        try check("torchvision-resnet18-w16.safetensors", expected: "torchvision-resnet18-w16-cnn_attention-expected.safetensors",
                  model: .cnnAttention, frames: 100)
        let mlp = try check("torchvision-resnet18-w16.safetensors", expected: "torchvision-resnet18-w16-cnn_mlp-expected.safetensors",
                            model: .cnnMLP, frames: 100, metadata: 6)
        XCTAssertEqual(mlp.adapted.map(\.key), ["backbone.conv1.weight"])
    }

    func testTimmDeiTAndViTStartAST() throws {
        try check("timm-deit-distilled-d64.pth", expected: "timm-deit-distilled-d64-ast-expected.safetensors", model: .ast, frames: 100)
        try check("timm-vit-d64.pth", expected: "timm-vit-d64-ast-expected.safetensors", model: .ast, frames: 200)
        let distilled = try check("timm-deit-distilled-d64.safetensors", expected: "timm-deit-distilled-d64-ast-expected.safetensors",
                                  model: .ast, frames: 100)
        XCTAssertEqual(distilled.layout, .timmViT)
        XCTAssertEqual(distilled.adapted.map(\.key), ["v.patch_embed.proj.weight", "v.pos_embed"])
        let plain = try check("timm-vit-d64.safetensors", expected: "timm-vit-d64-ast-expected.safetensors", model: .ast, frames: 200)
        XCTAssertEqual(plain.adapted.map(\.key), ["v.dist_token", "v.patch_embed.proj.weight", "v.pos_embed"],
                       "a ViT without a distillation token gets one from its class token; its 14 × 14 grid is resampled to 19 time patches")
    }

    func testASTsOwnAudioSetLayoutCutsOrResamplesItsTimeAxis() throws {
        for (frames, format) in [(100, "pth"), (1200, "safetensors")] {
            let report = try check("ast-audioset-layout-d64.\(format)", expected: "ast-audioset-layout-d64-\(frames)-expected.safetensors",
                                   model: .ast, frames: frames)
            XCTAssertEqual(report.layout, .astAudioSet)
            XCTAssertEqual(report.fresh.sorted(), ["mlp_head.1.bias", "mlp_head.1.weight"], "527 AudioSet classes against 5")
        }
        XCTAssertEqual(CheckpointLayout.astAudioSet.inputStatistics?.mean, -4.2677393)
    }

    func testHuggingFaceASTMatchesTransformersOwnLogits() throws {
        let report = try check("hf-ast-d64", expected: "hf-ast-d64-expected.safetensors", model: .ast, frames: 100)
        XCTAssertEqual(report.layout, .huggingFaceAST)
        XCTAssertEqual(report.fresh, [], "every tensor comes from the checkpoint")
    }

    /// The same imports at the sources' real sizes: torchvision's resnet18 into the standard
    /// CNNs, timm's DeiT-tiny (distilled) and ViT-tiny into the standard AST, AST base in AudioSet's
    /// layout (time axis cut and resampled) and Hugging Face's default AST. The files (random
    /// weights, ~900 MB) come from the fixture script's `--full` mode, run with the Python that
    /// SPECTROFOLD_TORCH_PYTHON names (torch, torchvision, timm, transformers); CI has none, so
    /// there the test is skipped.
    func testFullSizeReferenceLayouts() throws {
        guard let python = ProcessInfo.processInfo.environment["SPECTROFOLD_TORCH_PYTHON"] else {
            throw XCTSkip("SPECTROFOLD_TORCH_PYTHON (a Python with torch, torchvision, timm and transformers) is not set")
        }
        let directory = try TemporaryDirectory(prefix: "pretrained-full")
        defer { directory.remove() }
        let made = try ChildProcess.run(python, arguments: [Self.fixtures + "/make_pretrained_fixtures.py", "--full", directory.path])
        XCTAssertEqual(made.status, 0, made.standardError)
        for model in [ModelName.baselineCNN, .cnnAttention] {
            try check("torchvision-resnet18-w64.pth", expected: "torchvision-resnet18-w64-\(model)-expected.safetensors", model: model,
                      frames: 100, preset: "standard", directory: directory.path)
        }
        try check("torchvision-resnet18-w64.safetensors", expected: "torchvision-resnet18-w64-cnn_mlp-expected.safetensors", model: .cnnMLP,
                  frames: 100, metadata: 6, preset: "standard", directory: directory.path)
        try check("timm-deit-distilled-d192.pth", expected: "timm-deit-distilled-d192-ast-expected.safetensors", model: .ast, frames: 100,
                  preset: "standard", directory: directory.path)
        try check("timm-vit-d192.safetensors", expected: "timm-vit-d192-ast-expected.safetensors", model: .ast, frames: 200,
                  preset: "standard", directory: directory.path)
        for frames in [100, 1200] {
            try check("ast-audioset-layout-d768.pth", expected: "ast-audioset-layout-d768-\(frames)-expected.safetensors", model: .ast,
                      frames: frames, preset: "base", directory: directory.path)
        }
        try check("hf-ast-d768", expected: "hf-ast-d768-expected.safetensors", model: .ast, frames: 1024, preset: "base",
                  directory: directory.path)
    }

    /// A checkpoint that does not fit is an error listing every problem, and the model keeps
    /// its weights.
    func testAMisfitIsAnErrorListingTheTensorsAndChangesNothing() throws {
        var source = try CheckpointFile.read(contentsOf: Self.fixtures + "/timm-deit-distilled-d64.pth").tensors
        source.removeValue(forKey: "blocks.3.mlp.fc2.weight")
        source["blocks.0.norm1.weight"] = SafeTensor(floats: [Float](repeating: 1, count: 32), shape: [32])
        source["blocks.9.extra"] = SafeTensor(floats: [1], shape: [1])
        let model = try ModelFactory.make(ModelFactory.Spec(name: .ast, preset: "mini", classes: 5, frames: 100), seed: 9)
        let before = StateDict.file(of: model)
        XCTAssertThrowsError(try PretrainedImport.start(model, modelName: .ast, from: source, layout: .timmViT)) {
            XCTAssertEqual("\($0)", "the timm_vit checkpoint does not fit ast: v.blocks.0.norm1.weight: [32] in the checkpoint, [64] in the model; "
                           + "missing v.blocks.3.mlp.fc2.weight [64, 256]; unexpected v.blocks.9.extra [1]")
        }
        XCTAssertEqual(StateDict.file(of: model).names.map { StateDict.file(of: model)[$0] }, before.names.map { before[$0] })
        XCTAssertThrowsError(try PretrainedImport.start(model, modelName: .baselineCNN, from: source, layout: .timmViT)) {
            XCTAssertEqual("\($0)", "a timm_vit checkpoint starts ast, not baseline_cnn")
        }
    }
}
