import Tensor

/// A layer or model with named parameters, buffers and child modules, PyTorch-style: names join
/// with dots (`layer1.0.conv1.weight`) and come out in registration order, which is the order
/// of PyTorch's `state_dict()` for the reference models.
///
/// Subclasses register what they own in their initialiser (`parameter`, `buffer`, `child`) and
/// implement their forward pass; `training` switches dropout and batch statistics.
open class Module {
    public private(set) var ownParameters: [(name: String, tensor: Tensor)] = []
    public private(set) var ownBuffers: [(name: String, tensor: Tensor)] = []
    public private(set) var children: [(name: String, module: Module)] = []
    /// Training mode (dropout on, batch norm on batch statistics); `setTraining` sets a whole tree.
    public private(set) var training = true

    public init() {}

    /// Called with each module's output as it is computed, while set (for `spectrofold model
    /// summary`'s shape table); nil in training.
    nonisolated(unsafe) public static var outputObserver: ((Module, Tensor) -> Void)?

    /// Reports `output` to the observer, if any, and returns it: every forward ends with this.
    public func emit(_ output: Tensor) -> Tensor {
        Module.outputObserver?(self, output)
        return output
    }

    /// Registers a trainable tensor under `name`; returns it (now requiring grad).
    @discardableResult
    public func parameter(_ name: String, _ tensor: Tensor) -> Tensor {
        ownParameters.append((name, tensor.requiringGrad()))
        return tensor
    }

    /// Registers a non-trainable state tensor (running statistics) under `name`.
    @discardableResult
    public func buffer(_ name: String, _ tensor: Tensor) -> Tensor {
        ownBuffers.append((name, tensor))
        return tensor
    }

    /// Registers a sub-module under `name`; returns it.
    @discardableResult
    public func child<M: Module>(_ name: String, _ module: M) -> M {
        children.append((name, module))
        return module
    }

    /// Every parameter of the tree, with dotted names.
    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        ownParameters + children.flatMap { child in child.module.namedParameters().map { ("\(child.name).\($0.name)", $0.tensor) } }
    }

    /// Every buffer of the tree, with dotted names.
    public func namedBuffers() -> [(name: String, tensor: Tensor)] {
        ownBuffers + children.flatMap { child in child.module.namedBuffers().map { ("\(child.name).\($0.name)", $0.tensor) } }
    }

    public var parameters: [Tensor] { namedParameters().map(\.tensor) }

    /// The number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Switches the whole tree between training and evaluation.
    public func setTraining(_ on: Bool) {
        training = on
        children.forEach { $0.module.setTraining(on) }
    }

    /// Every module of the tree with its dotted path ("" for this one), parents before children.
    public func namedModules(prefix: String = "") -> [(name: String, module: Module)] {
        [(prefix, self)] + children.flatMap { child in
            child.module.namedModules(prefix: prefix.isEmpty ? child.name : "\(prefix).\(child.name)")
        }
    }
}

/// A module that maps one tensor to one tensor. Conformers implement `forward`; callers use
/// `layer(x)`, which also reports the output to `Module.outputObserver`.
public protocol Layer: Module {
    func forward(_ x: Tensor) throws -> Tensor
}

extension Layer {
    public func callAsFunction(_ x: Tensor) throws -> Tensor { emit(try forward(x)) }
}
