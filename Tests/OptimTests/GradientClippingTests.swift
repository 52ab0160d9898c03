import Optim
import Tensor
import XCTest

/// `clipGradientNorm` against `torch.nn.utils.clip_grad_norm_`.
final class GradientClippingTests: XCTestCase {
    func testClipGradientNormMatchesTorch() throws {
        for fixture in OptimFixtures.shared.clip {
            let names = fixture.before.keys.sorted()
            var parameters: [Tensor] = []
            for name in names {
                let parameter = Tensor.zeros([fixture.after[name]!?.count ?? 1]).requiringGrad()
                if let before = fixture.before[name]! {
                    parameter.withUnsafeMutableGrad { g in
                        for (i, value) in before.enumerated() { g[i] = Float(value) }
                    }
                }
                parameters.append(parameter)
            }
            let total = clipGradientNorm(parameters, maxNorm: fixture.max_norm)
            XCTAssertEqual(total, Float(fixture.total_norm), accuracy: 1e-6 * Float(fixture.total_norm), fixture.name)
            for (name, parameter) in zip(names, parameters) {
                guard let after = fixture.after[name]! else {
                    XCTAssertNil(parameter.grad, "\(fixture.name) \(name) gained a gradient")
                    continue
                }
                for (i, (a, e)) in zip(parameter.grad!.scalars, after).enumerated() {
                    XCTAssertEqual(a, Float(e), accuracy: 1e-6 * abs(Float(e)), "\(fixture.name) \(name)[\(i)]")
                }
            }
        }
    }

    func testNoGradientsGiveZeroNorm() {
        XCTAssertEqual(clipGradientNorm([Tensor.zeros([3]).requiringGrad()], maxNorm: 1), 0)
    }
}
