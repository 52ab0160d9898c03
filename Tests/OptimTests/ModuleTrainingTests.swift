import NN
import Optim
import Random
import Tensor
import XCTest

/// The optimizers driving a real `NN` module through the engine's backward pass.
final class ModuleTrainingTests: XCTestCase {
    /// Fits y = x·A + b with a Linear layer: each optimizer drives the squared error well below
    /// its starting value, and the state is named after the module's parameter paths.
    func testOptimizersFitALinearLayer() throws {
        var generator = RandomGenerator(seed: 7)
        let x = Tensor.randn([32, 4], generator: &generator)
        let truth = Linear(4, 2, generator: &generator)
        let target = try truth(x).detached()
        let makers: [(String, ([(name: String, tensor: Tensor)]) throws -> Optimizer)] = [
            ("SGD", { try SGD(parameters: $0, learningRate: 0.1, momentum: 0.9, nesterov: true) }),
            ("Adam", { try Adam(parameters: $0, learningRate: 0.05) }),
            ("AdamW", { try AdamW(parameters: $0, learningRate: 0.05, weightDecay: 1e-4) }),
        ]
        for (name, make) in makers {
            var weights = RandomGenerator(seed: 11)
            let model = Linear(4, 2, generator: &weights)
            let optimizer = try make(model.namedParameters())
            func loss() throws -> Tensor {
                let residual = try model(x) - target
                return try (residual * residual).mean()
            }
            let initial = try loss().item
            for _ in 0..<200 {
                optimizer.zeroGrad()
                try loss().backward()
                clipGradientNorm(model.parameters, maxNorm: 10)
                optimizer.step()
            }
            let final = try loss().item
            XCTAssertLessThan(final, initial * 1e-3, "\(name): loss \(initial) → \(final)")
            let stateNames = optimizer.namedState().map { $0.name }
            XCTAssertFalse(stateNames.isEmpty, name)
            XCTAssertTrue(stateNames.allSatisfy { $0.hasPrefix("weight.") || $0.hasPrefix("bias.") }, "\(name): \(stateNames)")
        }
    }
}
