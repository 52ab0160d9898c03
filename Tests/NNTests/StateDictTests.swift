import ModelNames
import NN
import Random
import SafeTensors
import Tensor
import TestSupport
import XCTest

/// State dicts round-trip, load strictly, and say exactly what does not fit.
final class StateDictTests: XCTestCase {
    func testRoundTripGivesTheSameLogits() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for name in ModelName.allCases {
            let spec = ModelFactory.Spec(name: name, preset: "mini", classes: 4, frames: 40, metadataWidth: name == .cnnMLP ? 3 : 0)
            let original = try ModelFactory.make(spec, seed: 11), copy = try ModelFactory.make(spec, seed: 12)
            // A training step moves the running statistics and the counters away from their start.
            var rng = RandomGenerator(seed: 5)
            let x = Tensor.randn([3, 1, 128, 40], generator: &rng)
            let metadata: Tensor? = name == .cnnMLP ? Tensor.randn([3, 3], generator: &rng) : nil
            _ = try original.logits(x, metadata: metadata)
            let path = directory.file("\(name).safetensors")
            try StateDict.save(original, to: path)
            try StateDict.load(from: path, into: copy)
            for model in [original, copy] { model.setTraining(false) }
            let expected = try GradMode.withDisabled { try original.logits(x, metadata: metadata) }
            let actual = try GradMode.withDisabled { try copy.logits(x, metadata: metadata) }
            XCTAssertEqual(actual.scalars, expected.scalars, "\(name)")
            XCTAssertEqual(StateDict.file(of: copy)["bn1.num_batches_tracked"]?.int64s(),
                           StateDict.file(of: original)["bn1.num_batches_tracked"]?.int64s(), "\(name)")
        }
    }

    func testMismatchesAreAllNamedAndNothingIsChanged() throws {
        let small = try ModelFactory.make(.init(name: .baselineCNN, preset: "mini", classes: 4, frames: 40), seed: 1)
        var file = StateDict.file(of: try ModelFactory.make(.init(name: .baselineCNN, preset: "mini", classes: 6, frames: 40), seed: 2))
        file["layer1.0.conv1.weight"] = nil
        file["extra.weight"] = SafeTensor(floats: [1], shape: [1])
        let before = StateDict.file(of: small)["conv1.weight"]
        XCTAssertThrowsError(try StateDict.load(file, into: small)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("missing keys: layer1.0.conv1.weight"), text)
            XCTAssertTrue(text.contains("unexpected keys: extra.weight"), text)
            XCTAssertTrue(text.contains("fc.weight: shape [6, 128] in the file, [4, 128] in the model"), text)
        }
        XCTAssertEqual(StateDict.file(of: small)["conv1.weight"], before, "a failed load changes nothing")
    }
}
