import Random
import XCTest
import Tensor

/// Compares the engine's backward with central finite differences of loss = Σ out · probe, where
/// probe is a fixed random tensor, for up to `samples` elements of every input that requires grad.
/// The tolerance is loose enough for float32 rounding and tight enough that a missing or wrong
/// term in a backward fails it. A second backward pass without clearing must then double every
/// element of every gradient: the first pass writes fresh buffers, the second adds to them.
func checkGradients(_ inputs: [Tensor], samples: Int = 16, eps: Float = 1e-2,
                    tolerance: (absolute: Double, relative: Double) = (2e-3, 2e-2),
                    file: StaticString = #filePath, line: UInt = #line,
                    _ function: ([Tensor]) throws -> Tensor) throws {
    let output = try function(inputs)
    var rng = RandomGenerator(seed: 99)
    let probe = Tensor.randn(output.shape, generator: &rng)
    for input in inputs { input.zeroGrad() }
    try (output * probe).sum().backward()
    let probeValues = probe.scalars.map(Double.init)
    let firstPass = inputs.map { $0.grad?.scalars }
    try (function(inputs) * probe).sum().backward()
    for (position, (input, first)) in zip(inputs, firstPass).enumerated() {
        guard let first, let doubled = input.grad?.scalars else { continue }
        for (index, (once, twice)) in zip(first, doubled).enumerated() where abs(twice - 2 * once) > 1e-6 + 1e-5 * abs(twice) {
            XCTFail("input \(position) \(input.shape) element \(index): \(twice) after two passes, \(once) after one",
                    file: file, line: line)
            break
        }
    }

    func loss() throws -> Double {
        let out = try GradMode.withDisabled { try function(inputs) }
        return zip(out.scalars, probeValues).reduce(0) { $0 + Double($1.0) * $1.1 }
    }

    for (position, input) in inputs.enumerated() where input.requiresGrad {
        guard let analytic = firstPass[position] else {
            XCTFail("input \(position) got no gradient", file: file, line: line)
            continue
        }
        var picker = RandomGenerator(seed: UInt64(position + 1))
        let indices = input.count <= samples ? Array(0..<input.count)
            : (0..<samples).map { _ in Int(picker.next() % UInt64(input.count)) }
        for index in indices {
            let original = input.scalars[index]
            func set(_ value: Float) { input.withUnsafeMutableBufferPointer { $0[index] = value } }
            set(original + eps)
            let plus = try loss()
            set(original - eps)
            let minus = try loss()
            set(original)
            let numeric = (plus - minus) / (2 * Double(eps))
            let difference = abs(numeric - Double(analytic[index]))
            let allowed = tolerance.absolute + tolerance.relative * max(abs(numeric), abs(Double(analytic[index])))
            XCTAssertLessThanOrEqual(difference, allowed,
                                     "input \(position) \(input.shape) element \(index): analytic \(analytic[index]), numeric \(numeric)",
                                     file: file, line: line)
        }
    }
}

/// A leaf tensor of standard normal values scaled by `scale`, requiring grad.
func parameter(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return (Tensor.randn(shape, generator: &rng) * scale).detached().requiringGrad()
}

/// Like `parameter`, with every value at least `margin` away from 0 (for kinks such as ReLU's).
func parameterAwayFromZero(_ shape: [Int], seed: UInt64, margin: Float = 0.1) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    let values = Tensor.randn(shape, generator: &rng).scalars.map { $0 >= 0 ? $0 + margin : $0 - margin }
    return try! Tensor(values, shape: shape).requiringGrad()
}

/// A leaf tensor whose values are distinct and at least 0.05 apart (for max and max-pooling).
func distinctParameter(_ shape: [Int], seed: UInt64) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    var values = (0..<shape.reduce(1, *)).map { Float($0) * 0.05 }
    values.shuffle(using: &rng)
    return try! Tensor(values, shape: shape).requiringGrad()
}
