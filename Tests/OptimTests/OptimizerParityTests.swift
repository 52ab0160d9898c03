import Optim
import Tensor
import XCTest

/// Parameter trajectories and final state against torch.optim on fixture gradients.
final class OptimizerParityTests: XCTestCase {
    private let fixtures = OptimFixtures.shared

    /// Relative tolerance of the trajectories. With PyTorch's roundings mirrored, SGD and AdamW
    /// reproduce torch 2.11's fixtures bit for bit and Adam differs by one ulp in 2 of 556 values.
    private let tolerance: Float = 1e-6

    func testSGDMatchesTorch() throws {
        try runCases(kind: "sgd") { parameters, options in
            try SGD(parameters: parameters, learningRate: options.lr!, momentum: options.momentum ?? 0,
                    nesterov: options.nesterov ?? false, weightDecay: options.weight_decay ?? 0)
        }
    }

    func testAdamMatchesTorch() throws {
        try runCases(kind: "adam") { parameters, options in
            try Adam(parameters: parameters, learningRate: options.lr ?? 1e-3,
                     betas: (options.beta1 ?? 0.9, options.beta2 ?? 0.999), eps: options.eps ?? 1e-8,
                     weightDecay: options.weight_decay ?? 0)
        }
    }

    func testAdamWMatchesTorch() throws {
        try runCases(kind: "adamw") { parameters, options in
            if options.lr == nil { return try AdamW(parameters: parameters) }  // torch's defaults
            return try AdamW(parameters: parameters, learningRate: options.lr!, weightDecay: options.weight_decay!)
        }
    }

    /// Per-parameter learning-rate scales are torch's parameter groups with proportional rates.
    func testScaledLearningRatesMatchTorchParameterGroups() throws {
        let make: [String: ([(name: String, tensor: Tensor)], OptimFixtures.OptimizerCase.Options) throws -> Optimizer] = [
            "sgd": { try SGD(parameters: $0, learningRate: $1.lr!, momentum: $1.momentum ?? 0, weightDecay: $1.weight_decay ?? 0) },
            "adam": { try Adam(parameters: $0, learningRate: $1.lr!, weightDecay: $1.weight_decay ?? 0) },
            "adamw": { try AdamW(parameters: $0, learningRate: $1.lr!, weightDecay: $1.weight_decay!) },
        ]
        XCTAssertEqual(OptimFixtures.parameterGroups.count, 3)
        for kind in ["sgd", "adam", "adamw"] {
            try runCases(kind: kind, cases: OptimFixtures.parameterGroups) { parameters, options in
                let optimizer = try make[kind]!(parameters, options)
                for (name, scale) in OptimFixtures.parameterGroups.first { $0.options.kind == kind }!.lr_scales! {
                    optimizer.scaleLearningRate(of: [name], by: scale)
                }
                return optimizer
            }
        }
    }

    func testParameterWithoutGradientIsLeftAloneAndGetsNoState() throws {
        let used = Tensor.zeros([2]).requiringGrad(), unused = try Tensor([1, 2], shape: [2]).requiringGrad()
        let optimizer = try Adam(parameters: [("used", used), ("unused", unused)], learningRate: 0.1)
        used.withUnsafeMutableGrad { $0.update(repeating: 1) }
        optimizer.step()
        XCTAssertEqual(unused.scalars, [1, 2])
        XCTAssertEqual(optimizer.namedState().map(\.name), ["used.step", "used.exp_avg", "used.exp_avg_sq"])
        optimizer.zeroGrad()
        XCTAssertNil(used.grad)
    }

    func testInvalidSettingsAreNamed() {
        let p: [(name: String, tensor: Tensor)] = [("w", Tensor.zeros([1]).requiringGrad())]
        XCTAssertThrowsError(try SGD(parameters: p, learningRate: 0.1, nesterov: true)) {
            XCTAssertEqual("\($0)", "SGD: momentum = 0.0: Nesterov momentum needs momentum > 0")
        }
        XCTAssertThrowsError(try Adam(parameters: p, betas: (0.9, 1.0))) {
            XCTAssertEqual("\($0)", "Adam: beta2 = 1.0: must be in [0, 1)")
        }
        XCTAssertThrowsError(try AdamW(parameters: p + p)) {
            XCTAssertEqual("\($0)", "AdamW: parameter 'w' is listed twice")
        }
    }

    /// Replays every fixture case of `kind`: fixture gradients in, parameters compared after each
    /// step, learning-rate changes applied where torch's were, the final state compared at the end.
    private func runCases(kind: String, cases all: [OptimFixtures.OptimizerCase]? = nil, file: StaticString = #filePath, line: UInt = #line,
                          make: ([(name: String, tensor: Tensor)], OptimFixtures.OptimizerCase.Options) throws -> Optimizer) throws {
        let cases = (all ?? fixtures.optimizers).filter { $0.options.kind == kind }
        XCTAssertFalse(cases.isEmpty, "no fixture cases for \(kind)", file: file, line: line)
        for fixture in cases {
            let parameters = try fixture.params.map {
                (name: $0.name, tensor: try Tensor($0.initial.map(Float.init), shape: $0.shape).requiringGrad())
            }
            let optimizer = try make(parameters, fixture.options)
            for (index, step) in fixture.steps.enumerated() {
                if let rate = fixture.lr_changes[String(index)] { optimizer.learningRate = rate }
                for parameter in parameters {
                    parameter.tensor.zeroGrad()
                    guard let grad = step.grads[parameter.name]! else { continue }
                    parameter.tensor.withUnsafeMutableGrad { g in
                        for (i, value) in grad.enumerated() { g[i] = Float(value) }
                    }
                }
                optimizer.step()
                for parameter in parameters {
                    assertClose(parameter.tensor.scalars, step.params[parameter.name]!,
                                "\(fixture.name) step \(index) \(parameter.name)", file: file, line: line)
                }
            }
            let state = optimizer.namedState()
            XCTAssertEqual(Set(state.map(\.name)), Set(fixture.final_state.keys), "\(fixture.name) state names", file: file, line: line)
            for (name, tensor) in state {
                assertClose(tensor.scalars, fixture.final_state[name] ?? [], "\(fixture.name) state \(name)", file: file, line: line)
            }
        }
    }

    private func assertClose(_ actual: [Float], _ expected: [Double], _ what: String, file: StaticString, line: UInt) {
        XCTAssertEqual(actual.count, expected.count, what, file: file, line: line)
        for (i, (a, e)) in zip(actual, expected).enumerated() {
            let e = Float(e)
            if abs(a - e) > tolerance * abs(e) {
                XCTFail("\(what)[\(i)]: \(a) vs torch \(e)", file: file, line: line)
                return
            }
        }
    }
}
