import Foundation
import ModelNames
import NN
import SafeTensors
import Tensor
import TestSupport
import XCTest

/// The models' logits against PyTorch's reference modules (Reference/reference_models.py).
final class ModelParityTests: XCTestCase {
    private static let reference = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Reference")

    /// The mini presets, weights from seed 3, against the logits check_parity.py stored with torch.
    func testMiniLogitsMatchPyTorchFixture() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/model_logits.safetensors").path
        let fixture = try SafeTensorsFile.read(contentsOf: path)
        let (x, xShape) = try fixture.floats(named: "x"), (metadata, metadataShape) = try fixture.floats(named: "metadata")
        for name in ModelName.allCases {
            let model = try ModelFactory.make(.init(name: name, preset: "mini", classes: 10, frames: 100, metadataWidth: 6), seed: 3)
            model.setTraining(false)
            let logits = try GradMode.withDisabled {
                try model.logits(Tensor(x, shape: xShape), metadata: name == .cnnMLP ? Tensor(metadata, shape: metadataShape) : nil)
            }
            let (expected, shape) = try fixture.floats(named: "\(name).logits")
            XCTAssertEqual(logits.shape, shape, "\(name)")
            let scale = expected.map(abs).max()!
            for (a, e) in zip(logits.scalars, expected) {
                XCTAssertEqual(a, e, accuracy: 1e-5 * max(scale, 1e-2) + 1e-7, "\(name)")
            }
        }
    }

    /// Both presets of all four models through `spectrofold model init/forward` into PyTorch with
    /// strict loading; runs where the test Python has torch (a scratch venv; torch is not a project
    /// dependency), and says so when it skips.
    func testStrictLoadAndLogitsInPyTorch() throws {
        let python = try TestPython.interpreter()
        guard (try? ChildProcess.run(python, arguments: ["-c", "import torch, torchvision"]).status) == 0 else {
            throw XCTSkip("torch and torchvision are not installed for \(python); run Reference/check_parity.py with a Python that has them")
        }
        let result = try ChildProcess.run(python, arguments: [Self.reference.appendingPathComponent("check_parity.py").path,
                                                              try BuiltProducts.executable("spectrofold")])
        XCTAssertEqual(result.status, 0, result.standardOutput + result.standardError)
    }
}
