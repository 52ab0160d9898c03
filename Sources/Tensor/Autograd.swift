/// One recorded op: its inputs and its hand-written backward, which reads the output's gradient
/// and adds each input's share into that input's gradient buffer (`gradAccumulator()`; a
/// backward that writes all of the buffer stores into it when fresh, `gradDestination()`),
/// skipping inputs that do not require gradients.
final class Node {
    let op: String
    let inputs: [Tensor]
    let backward: (_ gradOutput: UnsafePointer<Float>) -> Void

    init(op: String, inputs: [Tensor], backward: @escaping (UnsafePointer<Float>) -> Void) {
        self.op = op
        self.inputs = inputs
        self.backward = backward
    }
}

/// Whether ops record the graph. Off is inference mode: nothing is recorded, no gradient
/// buffer is allocated, and saved activations are freed as soon as they are unused.
public enum GradMode {
    nonisolated(unsafe) public private(set) static var isEnabled = true

    /// Runs `body` with recording turned off (PyTorch's `torch.no_grad()`), restoring the mode after.
    public static func withDisabled<R>(_ body: () throws -> R) rethrows -> R {
        let previous = isEnabled
        isEnabled = false
        defer { isEnabled = previous }
        return try body()
    }
}

extension Tensor {
    /// Whether an op on `inputs` records a node: grad mode is on and any input requires grad
    /// (ops ask before their forward, to keep what their backward will read only then).
    static func records(_ inputs: [Tensor]) -> Bool {
        GradMode.isEnabled && inputs.contains { $0.requiresGrad }
    }

    /// The output of op `op`: records a node when `records(inputs)`. `backward` receives the
    /// output's gradient; it is only built when it will be kept.
    static func result(_ op: String, shape: [Int], storage: TensorStorage, inputs: [Tensor],
                       backward: () -> (UnsafePointer<Float>) -> Void) -> Tensor {
        let tracked = records(inputs)
        let output = Tensor(shape: shape, storage: storage, requiresGrad: tracked)
        if tracked { output.node = Node(op: op, inputs: inputs, backward: backward()) }
        return output
    }

    /// Back-propagates from this one-element tensor (a loss): every tensor that requires grad and
    /// contributed to it gets d(self)/d(tensor) added to its `grad`. Frees the graph on the way;
    /// intermediate results keep no gradient.
    public func backward() throws {
        guard count == 1 else {
            throw TensorError(op: "backward", "needs a one-element tensor, got shape \(shape)")
        }
        try backward(gradient: Tensor.ones(shape))
    }

    /// Back-propagates `gradient` (shaped like this tensor), as PyTorch's `tensor.backward(gradient)`.
    public func backward(gradient: Tensor) throws {
        guard gradient.shape == shape else {
            throw TensorError.shapes("backward", shape, gradient.shape, "the gradient must have the tensor's shape")
        }
        guard requiresGrad else {
            throw TensorError(op: "backward", "the tensor does not require grad (no parameter contributed to it, or GradMode was off)")
        }
        let order = topologicalOrder()
        if gradStorage == nil {
            gradStorage = TensorStorage(copying: UnsafeBufferPointer(start: gradient.storage.base, count: count))
        } else {
            let (seed, source) = (gradStorage!.base, gradient.storage.base)
            for i in 0..<count { seed[i] += source[i] }
        }
        for tensor in order.reversed() {
            guard let node = tensor.node else { continue }
            if let grad = tensor.gradStorage {
                node.backward(UnsafePointer(grad.base))
            }
            tensor.node = nil
            tensor.gradStorage = nil
        }
    }

    /// The tensors of the graph ending here, each after all of its inputs.
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(tensor: Tensor, expanded: Bool)] = [(self, false)]
        while let (tensor, expanded) = stack.popLast() {
            if expanded {
                order.append(tensor)
                continue
            }
            guard visited.insert(ObjectIdentifier(tensor)).inserted else { continue }
            stack.append((tensor, true))
            for input in tensor.node?.inputs ?? [] where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        return order
    }
}
