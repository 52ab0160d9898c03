import ModelNames
import NN
import SafeTensors
import Tensor
import XCTest

/// The four models build for each of their presets, produce logits of the right shape, and carry exactly
/// the reference implementations' parameter names and shapes.
final class ModelStructureTests: XCTestCase {
    private func spec(_ name: ModelName, _ preset: String = "mini", classes: Int = 5, frames: Int = 100) -> ModelFactory.Spec {
        ModelFactory.Spec(name: name, preset: preset, classes: classes, frames: frames, metadataWidth: name == .cnnMLP ? 7 : 0)
    }

    func testEveryModelAndPresetGivesLogits() throws {
        for name in ModelName.allCases {
            for preset in ModelFactory.presets(of: name) {
                let model = try ModelFactory.make(spec(name, preset), seed: 1)
                model.setTraining(false)
                let x = Tensor.zeros([2, 1, 128, 100])
                let metadata: Tensor? = name == .cnnMLP ? .zeros([2, 7]) : nil
                let logits = try GradMode.withDisabled { try model.logits(x, metadata: metadata) }
                XCTAssertEqual(logits.shape, [2, 5], "\(name) \(preset)")
                XCTAssertTrue(logits.scalars.allSatisfy(\.isFinite), "\(name) \(preset)")
            }
        }
    }

    func testResNetKeysAreTorchvisions() throws {
        let keys = shapes(of: try ModelFactory.make(spec(.baselineCNN), seed: 0))
        XCTAssertEqual(keys["conv1.weight"], [16, 1, 7, 7])
        XCTAssertEqual(keys["bn1.running_var"], [16])
        XCTAssertEqual(keys["layer1.0.conv1.weight"], [16, 16, 3, 3])
        XCTAssertEqual(keys["layer2.0.downsample.0.weight"], [32, 16, 1, 1])
        XCTAssertEqual(keys["layer2.0.downsample.1.num_batches_tracked"], [])
        XCTAssertEqual(keys["layer4.1.bn2.weight"], [128])
        XCTAssertEqual(keys["fc.weight"], [5, 128])
        XCTAssertNil(keys["layer1.0.downsample.0.weight"], "layer1 keeps the shape and has no downsample")
        // torchvision resnet18: 62 parameters + 3 buffers for each of its 20 batch norms.
        XCTAssertEqual(keys.count, 62 + 20 * 3)
    }

    func testCBAMKeysAreTheOfficialCodes() throws {
        let keys = shapes(of: try ModelFactory.make(spec(.cnnAttention), seed: 0))
        XCTAssertEqual(keys["layer1.0.cbam.ChannelGate.mlp.1.weight"], [1, 16], "reduction 16 keeps at least one hidden unit")
        XCTAssertEqual(keys["layer4.1.cbam.ChannelGate.mlp.3.weight"], [128, 8])
        XCTAssertEqual(keys["layer3.0.cbam.SpatialGate.spatial.conv.weight"], [1, 2, 7, 7])
        XCTAssertEqual(keys["layer3.0.cbam.SpatialGate.spatial.bn.running_mean"], [1])
        XCTAssertNil(keys["layer3.0.cbam.SpatialGate.spatial.conv.bias"])
    }

    func testCNNWithMetadataKeys() throws {
        let keys = shapes(of: try ModelFactory.make(spec(.cnnMLP), seed: 0))
        XCTAssertEqual(keys["backbone.conv1.weight"], [16, 1, 7, 7])
        XCTAssertNil(keys["backbone.fc.weight"])
        XCTAssertEqual(keys["meta_mlp.0.weight"], [64, 7])
        XCTAssertEqual(keys["meta_mlp.3.weight"], [64, 64])
        XCTAssertEqual(keys["head.0.weight"], [256, 128 + 64])
        XCTAssertEqual(keys["head.3.bias"], [5])
    }

    func testASTKeysAndShapes() throws {
        let keys = shapes(of: try ModelFactory.make(spec(.ast, "standard", frames: 100), seed: 0))
        XCTAssertEqual(keys["v.cls_token"], [1, 1, 192])
        XCTAssertEqual(keys["v.dist_token"], [1, 1, 192])
        XCTAssertEqual(keys["v.pos_embed"], [1, 12 * 9 + 2, 192], "12 × 9 patches of 16 at stride 10 over 128 × 100")
        XCTAssertEqual(keys["v.patch_embed.proj.weight"], [192, 1, 16, 16])
        XCTAssertEqual(keys["v.blocks.11.attn.qkv.weight"], [576, 192])
        XCTAssertEqual(keys["v.blocks.11.mlp.fc1.weight"], [768, 192])
        XCTAssertEqual(keys["v.norm.weight"], [192])
        XCTAssertEqual(keys["mlp_head.0.weight"], [192])
        XCTAssertEqual(keys["mlp_head.1.weight"], [5, 192])
        XCTAssertNil(keys["v.blocks.12.norm1.weight"])
    }

    func testUnknownNamesAndPresetsAreClearErrors() {
        // A name is a model only through `ModelName`: YAML and the command line refuse others as they read them.
        XCTAssertNil(ModelName(rawValue: "resnet50"))
        XCTAssertEqual(ModelName.allCases.map(\.rawValue), ["baseline_cnn", "cnn_mlp", "cnn_attention", "ast"])
        XCTAssertThrowsError(try ModelFactory.make(spec(.ast, "huge"), seed: 0)) { error in
            XCTAssertEqual("\(error)", "ast has no preset 'huge' (known: mini, standard, small, base)")
        }
        XCTAssertThrowsError(try ModelFactory.make(spec(.baselineCNN, "base"), seed: 0)) { error in
            XCTAssertEqual("\(error)", "baseline_cnn has no preset 'base' (known: mini, standard)")
        }
    }

    private func shapes(of model: Module) -> [String: [Int]] {
        let file = StateDict.file(of: model)
        return Dictionary(uniqueKeysWithValues: file.names.map { ($0, file[$0]!.shape) })
    }
}
