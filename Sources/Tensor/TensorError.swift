/// An invalid call at the engine's API boundary: the op's name and what is wrong with its
/// arguments, shapes included, e.g. `matmul: [2, 3] × [4, 5]: inner dimensions 3 and 4 differ`.
public struct TensorError: Error, CustomStringConvertible, Equatable {
    public let op: String
    public let message: String

    public init(op: String, _ message: String) {
        self.op = op
        self.message = message
    }

    public var description: String { "\(op): \(message)" }

    /// Two operands whose shapes do not fit together.
    static func shapes(_ op: String, _ lhs: [Int], _ rhs: [Int], _ why: String) -> TensorError {
        TensorError(op: op, "\(lhs) and \(rhs): \(why)")
    }
}

/// Shape arithmetic shared by the ops.
enum Shape {
    /// The number of elements of `shape` (1 for a scalar).
    @inline(__always)
    static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// Row-major strides of `shape`, in elements.
    static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var step = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = step
            step *= shape[axis]
        }
        return strides
    }

    /// `axis` with negative values counted from the end, or an error naming `op`.
    static func axis(_ axis: Int, rank: Int, op: String) throws -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        guard resolved >= 0, resolved < rank else {
            throw TensorError(op: op, "axis \(axis) is out of range for rank \(rank)")
        }
        return resolved
    }

    /// `shape` viewed as (outer, size of `axis`, inner).
    static func around(_ shape: [Int], axis: Int) -> (outer: Int, size: Int, inner: Int) {
        (count(Array(shape[..<axis])), shape[axis], count(Array(shape[(axis + 1)...])))
    }
}
