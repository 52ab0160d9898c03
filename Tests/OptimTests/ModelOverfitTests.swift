import ModelNames
import NN
import Optim
import Random
import Tensor
import XCTest

/// Every model, mini preset, drives the loss on one fixed small batch to near zero with AdamW
/// within a bounded number of steps: forward, backward and the optimizer fit together.
final class ModelOverfitTests: XCTestCase {
    func testEveryModelOverfitsAFixedBatch() throws {
        var rng = RandomGenerator(seed: 21)
        let x = Tensor.randn([8, 1, 128, 32], generator: &rng)
        let metadata = Tensor.randn([8, 5], generator: &rng)
        let labels = [0, 1, 2, 3, 0, 1, 2, 3]
        for name in ModelName.allCases {
            let model = try ModelFactory.make(.init(name: name, preset: "mini", classes: 4, frames: 32, metadataWidth: 5), seed: 4)
            let optimizer = try AdamW(parameters: model.namedParameters(), learningRate: name == .ast ? 5e-4 : 2e-3, weightDecay: 0)
            var loss: Float = .infinity, steps = 0
            while loss > 0.02, steps < 150 {
                let value = try Tensor.crossEntropy(model.logits(x, metadata: name == .cnnMLP ? metadata : nil), labels: labels)
                try value.backward()
                optimizer.step()
                optimizer.zeroGrad()
                loss = value.item
                steps += 1
            }
            XCTAssertLessThanOrEqual(loss, 0.02, "\(name) after \(steps) steps")
            print("\(name): loss \(loss) after \(steps) steps")
        }
    }
}
