import Foundation

/// A row-major Float32 tensor of any rank with reverse-mode autograd.
///
/// Every tensor is contiguous. `reshaped` shares storage; every other op writes a new tensor.
/// An op whose inputs require gradients records a `Node` on its output (unless `GradMode` is
/// off), and `backward()` walks those nodes in reverse topological order, accumulating into the
/// `grad` of every tensor that requires one.
///
/// ```swift
/// let w = Tensor.randn([3, 2], generator: &rng).requiringGrad()
/// let loss = try (x.matmul(w)).relu().sum()
/// try loss.backward()
/// print(w.grad!.scalars)
/// ```
public final class Tensor {
    /// The extent of each axis.
    public let shape: [Int]
    let storage: TensorStorage
    /// Whether gradients flow to this tensor (a parameter, or a result computed from one).
    public private(set) var requiresGrad: Bool
    /// The accumulated gradient, same element count as the tensor; nil until backward reaches it.
    var gradStorage: TensorStorage?
    /// How this tensor was computed, while a backward pass may still need it.
    var node: Node?

    init(shape: [Int], storage: TensorStorage, requiresGrad: Bool = false) {
        precondition(Shape.count(shape) == storage.count, "Tensor: \(shape) does not fit \(storage.count) elements")
        self.shape = shape
        self.storage = storage
        self.requiresGrad = requiresGrad
    }

    /// A tensor holding `values` in row-major order.
    public convenience init(_ values: [Float], shape: [Int]) throws {
        guard values.count == Shape.count(shape), shape.allSatisfy({ $0 >= 0 }) else {
            throw TensorError(op: "Tensor", "\(values.count) values do not fill shape \(shape)")
        }
        self.init(shape: shape, storage: values.withUnsafeBufferPointer { TensorStorage(copying: $0) })
    }

    /// A rank-0 tensor.
    public convenience init(scalar: Float) {
        self.init(shape: [], storage: TensorStorage(count: 1, repeating: scalar))
    }

    /// A tensor of `shape` filled with `value`.
    public static func full(_ shape: [Int], _ value: Float) -> Tensor {
        Tensor(shape: shape, storage: TensorStorage(count: Shape.count(shape), repeating: value))
    }

    public static func zeros(_ shape: [Int]) -> Tensor { full(shape, 0) }
    public static func ones(_ shape: [Int]) -> Tensor { full(shape, 1) }

    /// The number of elements.
    public var count: Int { storage.count }
    public var rank: Int { shape.count }

    /// The elements in row-major order.
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: storage.base, count: count)) }

    /// The single element of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "Tensor.item: tensor of shape \(shape) has \(count) elements")
        return storage.base[0]
    }

    /// The gradient accumulated by `backward()`, shaped like this tensor.
    public var grad: Tensor? { gradStorage.map { Tensor(shape: shape, storage: $0) } }

    /// Marks this tensor as a leaf that collects gradients (a parameter); returns it.
    @discardableResult
    public func requiringGrad(_ flag: Bool = true) -> Tensor {
        precondition(node == nil, "Tensor.requiringGrad: only leaf tensors can change requiresGrad")
        requiresGrad = flag
        return self
    }

    /// The same values cut from the graph: no node, no gradient (shares storage).
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

    /// A copy with its own storage, cut from the graph.
    public func copy() -> Tensor {
        Tensor(shape: shape, storage: TensorStorage(copying: UnsafeBufferPointer(start: storage.base, count: count)))
    }

    /// Forgets the accumulated gradient (PyTorch's `zero_grad(set_to_none=True)`).
    public func zeroGrad() { gradStorage = nil }

    /// Read access to the elements.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.base, count: count))
    }

    /// Write access to the elements in place (optimizer updates, loading weights). Never call it on
    /// a tensor a pending backward pass still needs.
    public func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: storage.base, count: count))
    }

    /// Write access to the gradient (allocated as zeros if there is none yet), e.g. for clipping.
    public func withUnsafeMutableGrad<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: gradAccumulator(), count: count))
    }

    /// Replaces the elements with `values` (same count), in place.
    public func assign(_ values: [Float]) throws {
        guard values.count == count else {
            throw TensorError(op: "assign", "\(values.count) values for a tensor of shape \(shape)")
        }
        values.withUnsafeBufferPointer { storage.base.update(from: $0.baseAddress!, count: count) }
    }

    /// The gradient buffer if this tensor requires grad (allocated as zeros on first use), else nil.
    var gradAccumulatorIfPresent: UnsafeMutablePointer<Float>? { requiresGrad ? gradAccumulator() : nil }

    /// The gradient buffer to accumulate into, allocated as zeros on first use.
    func gradAccumulator() -> UnsafeMutablePointer<Float> {
        let (base, accumulate) = gradDestination()
        if !accumulate {
            ComputeThreads.parallelFor(count, grain: ComputeThreads.elementwiseGrain) { range in
                (base + range.lowerBound).update(repeating: 0, count: range.count)
            }
        }
        return base
    }

    /// The gradient buffer for a backward that writes every element of it. On first use the
    /// buffer is allocated uninitialised and `accumulate` is false: the caller stores its share
    /// (what adding to zeros would give) without clearing or reading the buffer first. After that,
    /// `accumulate` is true and the caller adds to the shares already there.
    func gradDestination() -> (base: UnsafeMutablePointer<Float>, accumulate: Bool) {
        if let gradStorage { return (gradStorage.base, true) }
        let fresh = TensorStorage(count: count)
        gradStorage = fresh
        return (fresh.base, false)
    }

    /// `gradDestination()` for a backward that writes every element when `whole`, else the
    /// accumulator (zeros on first use) to add to.
    func gradDestination(whole: Bool) -> (base: UnsafeMutablePointer<Float>, accumulate: Bool) {
        whole ? gradDestination() : (gradAccumulator(), true)
    }

    /// target[j] += share(j) for j in 0..<n, or target[j] = share(j) unless `accumulate`: a
    /// backward's write into a `gradDestination()` buffer.
    @inline(__always)
    static func write(_ target: UnsafeMutablePointer<Float>, _ n: Int, accumulate: Bool, _ share: (Int) -> Float) {
        if accumulate {
            for j in 0..<n { target[j] += share(j) }
        } else {
            for j in 0..<n { target[j] = share(j) }
        }
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor(\(shape): [\(shown)\(count > 8 ? ", …" : "")])"
    }
}
