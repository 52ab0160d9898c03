import Foundation

/// A cache of large tensor buffers. Training repeats the same shapes every step; reusing a freed
/// buffer of the same size avoids the kernel's page faults on fresh memory, which otherwise cost
/// as much as the op itself for memory-bound kernels. Buffers under 64 KiB go straight to
/// malloc; the cache holds at most `capacityBytes` and evicts the longest-unused buffers first.
public enum BufferPool {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var free: [Int: [UnsafeMutableRawPointer]] = [:]
    /// Cached buffers, least recently released first.
    nonisolated(unsafe) private static var released: [(bytes: Int, pointer: UnsafeMutableRawPointer)] = []
    nonisolated(unsafe) private static var cachedBytes = 0
    /// The most the cache holds; 4 GiB unless set.
    nonisolated(unsafe) public static var capacityBytes = 4 << 30
    private static let smallestPooled = 64 << 10

    /// Bytes held by the cache right now.
    public static var cached: Int { lock.withLock { cachedBytes } }

    /// Frees every cached buffer (between jobs of different shapes).
    public static func trim() {
        lock.withLock {
            for (_, pointer) in released { Foundation.free(pointer) }
            released.removeAll()
            free.removeAll()
            cachedBytes = 0
        }
    }

    /// A 64-byte-aligned buffer of at least `bytes`; the size to pass back to `release`.
    static func allocate(bytes requested: Int) -> (UnsafeMutableRawPointer, size: Int) {
        let bytes = roundedSize(requested)
        if bytes >= smallestPooled, let reused = lock.withLock({ () -> UnsafeMutableRawPointer? in
            guard let pointer = free[bytes]?.popLast() else { return nil }
            released.removeAll { $0.pointer == pointer }
            cachedBytes -= bytes
            return pointer
        }) {
            return (reused, bytes)
        }
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            fatalError("BufferPool: cannot allocate \(bytes) bytes")
        }
        return (raw, bytes)
    }

    static func release(_ pointer: UnsafeMutableRawPointer, size bytes: Int) {
        guard bytes >= smallestPooled, bytes <= capacityBytes else {
            Foundation.free(pointer)
            return
        }
        let evicted: [UnsafeMutableRawPointer] = lock.withLock {
            var evicted: [UnsafeMutableRawPointer] = []
            while cachedBytes + bytes > capacityBytes, !released.isEmpty {
                let oldest = released.removeFirst()
                free[oldest.bytes]?.removeAll { $0 == oldest.pointer }
                cachedBytes -= oldest.bytes
                evicted.append(oldest.pointer)
            }
            free[bytes, default: []].append(pointer)
            released.append((bytes, pointer))
            cachedBytes += bytes
            return evicted
        }
        evicted.forEach { Foundation.free($0) }
    }

    /// Sizes from 64 KiB up are rounded to whole 4 KiB pages so near-equal shapes share buffers.
    private static func roundedSize(_ bytes: Int) -> Int {
        let bytes = Swift.max(bytes, 64)
        return bytes < smallestPooled ? bytes : (bytes + 4095) & ~4095
    }
}
