import Data
import Foundation
import NN
import Optim
import Random
import Tensor
import Training
import XCTest

/// One mixup training step against PyTorch (`Fixtures/mixup_step.json`, written by
/// `Fixtures/make_mixup_fixture.py`): the mixed inputs, the loss against the mixed targets, its
/// gradients and the weights after an SGD step.
final class MixupStepTests: XCTestCase {
    private struct Fixture: Decodable {
        let x: [Float], labels: [Int], partners: [Int], weight: Float, label_smoothing: Float, lr: Double
        let linear_weight: [Float], linear_bias: [Float], mixed: [Float], loss: Float
        let weight_grad: [Float], bias_grad: [Float], weight_after: [Float], bias_after: [Float]
    }

    func testAMixupStepMatchesPyTorch() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/mixup_step.json")
        let f = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        let pairing = MixupPairing(partners: f.partners, partnerLabels: f.partners.map { f.labels[$0] }, weight: f.weight)
        let mixed = pairing.mix(f.x, width: 48)
        assertClose(mixed, f.mixed, 1e-6, "mixed inputs")

        var generator = RandomGenerator(seed: 0)
        let linear = Linear(48, 3, generator: &generator)
        try linear.weight.assign(f.linear_weight)
        try linear.bias!.assign(f.linear_bias)
        let logits = try linear(try Tensor(mixed, shape: [4, 48]))
        let loss = try Trainer.loss(logits, labels: f.labels, mixup: pairing, labelSmoothing: f.label_smoothing)
        XCTAssertEqual(loss.item, f.loss, accuracy: 1e-5)
        try loss.backward()
        assertClose(try XCTUnwrap(linear.weight.grad).scalars, f.weight_grad, 1e-5, "weight gradient")
        assertClose(try XCTUnwrap(linear.bias!.grad).scalars, f.bias_grad, 1e-5, "bias gradient")
        let sgd = try SGD(parameters: linear.namedParameters(), learningRate: f.lr)
        sgd.step()
        assertClose(linear.weight.scalars, f.weight_after, 1e-5, "weight after the step")
        assertClose(linear.bias!.scalars, f.bias_after, 1e-5, "bias after the step")
    }

    private func assertClose(_ got: [Float], _ expected: [Float], _ tolerance: Float, _ what: String, line: UInt = #line) {
        XCTAssertEqual(got.count, expected.count, what, line: line)
        let worst = zip(got, expected).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, tolerance, "\(what): largest difference \(worst)", line: line)
    }
}
