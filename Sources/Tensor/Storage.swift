import Foundation

/// A 64-byte-aligned buffer of Float32 elements: the memory behind one or more tensors
/// (a reshape shares it). Returned to the `BufferPool` when the last tensor using it goes away.
final class TensorStorage {
    let base: UnsafeMutablePointer<Float>
    let count: Int
    private let bytes: Int

    /// `count` uninitialised elements.
    init(count: Int) {
        let (raw, bytes) = BufferPool.allocate(bytes: count * MemoryLayout<Float>.stride)
        base = raw.bindMemory(to: Float.self, capacity: Swift.max(count, 1))
        self.count = count
        self.bytes = bytes
    }

    /// `count` elements set to `value`.
    convenience init(count: Int, repeating value: Float) {
        self.init(count: count)
        if value == 0 {
            memset(base, 0, count * MemoryLayout<Float>.stride)
        } else {
            base.initialize(repeating: value, count: count)
        }
    }

    /// A copy of `values`.
    convenience init(copying values: UnsafeBufferPointer<Float>) {
        self.init(count: values.count)
        if let source = values.baseAddress { base.update(from: source, count: values.count) }
    }

    deinit { BufferPool.release(UnsafeMutableRawPointer(base), size: bytes) }
}
