import Tensor

/// Updates parameters in place from their gradients, as `torch.optim` does.
///
/// A parameter whose `grad` is nil has no gradient this step and is skipped entirely (its state
/// and step count do not advance), as in PyTorch. Call `zeroGrad()` before the next backward pass.
///
/// ```swift
/// let optimizer = try AdamW(parameters: model.namedParameters(), learningRate: 3e-4)
/// try loss.backward()
/// optimizer.step()
/// optimizer.zeroGrad()
/// ```
public protocol Optimizer: AnyObject {
    /// The learning rate the next `step()` uses; learning-rate schedulers set it.
    var learningRate: Double { get set }
    /// The parameters updated, with their module paths (`layer1.0.conv1.weight`).
    var parameters: [(name: String, tensor: Tensor)] { get }
    /// Each parameter's learning rate as a multiple of `learningRate` (index-aligned with
    /// `parameters`, all 1 unless set): PyTorch's parameter groups with proportional rates.
    var learningRateScales: [Double] { get set }
    /// One update of every parameter that has a gradient.
    func step()
    /// The optimizer's per-parameter state for checkpoints, named `<parameter>.<key>` with
    /// PyTorch's keys (`momentum_buffer`; `step`, `exp_avg`, `exp_avg_sq`). Step counts are rank-0
    /// tensors. Parameters that never had a gradient have no state yet, as in PyTorch.
    func namedState() -> [(name: String, tensor: Tensor)]
}

extension Optimizer {
    /// Sets the learning-rate scale of every parameter whose name is in `names`.
    public func scaleLearningRate(of names: Set<String>, by scale: Double) {
        for (index, parameter) in parameters.enumerated() where names.contains(parameter.name) { learningRateScales[index] = scale }
    }

    /// Forgets every parameter's gradient (PyTorch's `zero_grad(set_to_none=True)`).
    public func zeroGrad() {
        for parameter in parameters { parameter.tensor.zeroGrad() }
    }
}

/// An invalid optimizer or scheduler setting: which component, which option, and why.
public struct OptimError: Error, CustomStringConvertible, Equatable {
    public let component: String
    public let message: String

    public init(_ component: String, _ message: String) {
        self.component = component
        self.message = message
    }

    public var description: String { "\(component): \(message)" }

    /// Throws unless `condition` holds, naming the option and its value.
    static func require(_ condition: Bool, _ component: String, _ option: String, _ value: Any, _ rule: String) throws {
        if !condition { throw OptimError(component, "\(option) = \(value): \(rule)") }
    }

    /// Throws if two parameters share a name (the state names would collide).
    static func requireUniqueNames(_ parameters: [(name: String, tensor: Tensor)], _ component: String) throws {
        var seen = Set<String>()
        for parameter in parameters where !seen.insert(parameter.name).inserted {
            throw OptimError(component, "parameter '\(parameter.name)' is listed twice")
        }
    }
}
