import Checkpoint
import Foundation
import SafeTensors
import TestSupport
import XCTest

/// Files written by torch.save and safetensors (`Fixtures/make_checkpoint_fixtures.py`) read
/// back with every tensor equal, bit for bit, to what torch converts it to.
final class TorchCheckpointTests: XCTestCase {
    func testStateDictOfEveryDtypeAndViewEqualsTorch() throws {
        let checkpoint = try CheckpointFile.read(contentsOf: Fixture.path("state_dict.pt"))
        XCTAssertEqual(checkpoint.format, .torchZip)
        XCTAssertEqual(checkpoint.source, Fixture.path("state_dict.pt"))
        assertTensorsEqual(checkpoint.tensors, Fixture.expectedTensors(of: "state_dict"))
        XCTAssertNil(checkpoint.configJSON)
    }

    func testViewsOfASharedStorageAreGatheredRowMajor() throws {
        let tensors = try CheckpointFile.read(contentsOf: Fixture.path("state_dict.pt")).tensors
        // base = arange(12).reshape(3, 4) * 0.5 - 1: element (r, c) is (4r + c) / 2 - 1.
        func base(_ r: Int, _ c: Int) -> Float { Float(4 * r + c) * 0.5 - 1 }
        XCTAssertEqual(tensors["shared.transposed"]?.shape, [4, 3])
        XCTAssertEqual(tensors["shared.transposed"]?.floats(), (0..<4).flatMap { c in (0..<3).map { r in base(r, c) } })
        XCTAssertEqual(tensors["shared.slice"]?.shape, [2, 2])
        XCTAssertEqual(tensors["shared.slice"]?.floats(), [base(1, 1), base(1, 2), base(2, 1), base(2, 2)])
        XCTAssertEqual(tensors["shared.column"]?.floats(), [base(0, 2), base(1, 2), base(2, 2)])
        XCTAssertEqual(tensors["shared.strided"]?.floats(), [base(0, 0), base(0, 3), base(2, 0), base(2, 3)])
        XCTAssertEqual(tensors["shared.element"]?.shape, [])
        XCTAssertEqual(tensors["shared.element"]?.floats(), [base(2, 3)])
        XCTAssertEqual(tensors["empty"]?.shape, [0, 3])
    }

    func testHalfBFloat16DoubleAndIntegerBuffersAreWidened() throws {
        let tensors = try CheckpointFile.read(contentsOf: Fixture.path("state_dict.pt")).tensors
        for key in ["f16", "bf16", "f64", "f32", "0.weight"] { XCTAssertEqual(tensors[key]?.dtype, .float32, key) }
        for key in ["i64", "i32", "mask", "1.num_batches_tracked"] { XCTAssertEqual(tensors[key]?.dtype, .int64, key) }
        XCTAssertEqual(tensors["f16"]?.floats()?[5], .infinity)
        XCTAssertEqual(tensors["i64"]?.int64s(), [0, -1, 1 << 40, -(1 << 62)])
        XCTAssertEqual(tensors["mask"]?.int64s(), [1, 0, 1])
        XCTAssertEqual(tensors["1.num_batches_tracked"]?.int64s(), [1])
    }

    func testTrainingCheckpointUnwrapsModelAndIgnoresTheRest() throws {
        let checkpoint = try CheckpointFile.read(contentsOf: Fixture.path("training.pt"))
        assertTensorsEqual(checkpoint.tensors, Fixture.expectedTensors(of: "training"))
        XCTAssertEqual(checkpoint.names, ["0.bias", "0.weight", "1.bias", "1.num_batches_tracked",
                                          "1.running_mean", "1.running_var", "1.weight"])
    }

    func testDataParallelPrefixIsStripped() throws {
        let checkpoint = try CheckpointFile.read(contentsOf: Fixture.path("data_parallel.pt"))
        assertTensorsEqual(checkpoint.tensors, Fixture.expectedTensors(of: "data_parallel"))
        XCTAssertFalse(checkpoint.names.contains { $0.hasPrefix("module.") })
    }

    func testParametersAreReadAsTheirData() throws {
        let checkpoint = try CheckpointFile.read(contentsOf: Fixture.path("parameters.pt"))
        assertTensorsEqual(checkpoint.tensors, Fixture.expectedTensors(of: "parameters"))
    }

    func testSafetensorsFileHoldsTheSameTensors() throws {
        let checkpoint = try CheckpointFile.read(contentsOf: Fixture.path("state_dict.safetensors"))
        XCTAssertEqual(checkpoint.format, .safetensors)
        assertTensorsEqual(checkpoint.tensors, Fixture.expectedTensors(of: "state_dict"))
    }

    func testFormatIsToldByContentNotName() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let renamed = directory.path + "/weights.bin"
        try FileManager.default.copyItem(atPath: Fixture.path("state_dict.safetensors"), toPath: renamed)
        let checkpoint = try CheckpointFile.read(contentsOf: renamed)
        XCTAssertEqual(checkpoint.format, .safetensors)
        XCTAssertEqual(checkpoint.source, renamed)
    }

    func testHuggingFaceFolderReadsModelSafetensorsAndConfig() throws {
        let folder = Fixture.path("hf_model")
        let checkpoint = try CheckpointFile.read(contentsOf: folder)
        XCTAssertEqual(checkpoint.source, folder + "/model.safetensors")
        XCTAssertEqual(checkpoint.format, .safetensors)
        assertTensorsEqual(checkpoint.tensors, Fixture.expectedTensors(of: "hf_model"))
        XCTAssertEqual(checkpoint.configJSON?["model_type"] as? String, "audio-spectrogram-transformer")
        XCTAssertEqual(checkpoint.configJSON?["num_labels"] as? Int, 2)
    }

    func testFolderWithoutWeightsOrWithBadConfigIsAnError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        assertCheckpointError(try CheckpointFile.read(contentsOf: directory.path), source: directory.path,
                              "the folder holds none of model.safetensors, pytorch_model.bin")
        try Data("{}".utf8).write(to: URL(fileURLWithPath: directory.path + "/model.safetensors.index.json"))
        assertCheckpointError(try CheckpointFile.read(contentsOf: directory.path), source: directory.path,
                              "a sharded checkpoint (model.safetensors.index.json)")
        try FileManager.default.copyItem(atPath: Fixture.path("state_dict.pt"), toPath: directory.path + "/pytorch_model.bin")
        XCTAssertEqual(try CheckpointFile.read(contentsOf: directory.path).format, .torchZip)
        try Data("[1, 2]".utf8).write(to: URL(fileURLWithPath: directory.path + "/config.json"))
        assertCheckpointError(try CheckpointFile.read(contentsOf: directory.path), source: directory.path + "/config.json",
                              "not a readable JSON object")
    }
}
