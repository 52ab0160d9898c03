import CBLAS
import Dispatch
import Foundation

/// How many threads the engine's kernels use: OpenBLAS's threads for sgemm and the chunks of
/// `ComputeThreads.parallelFor` for everything else. Both default to the machine's core count and
/// run one after the other, never at the same time, so the cores are never oversubscribed.
public enum ComputeThreads {
    nonisolated(unsafe) private static var loopThreads = ProcessInfo.processInfo.activeProcessorCount

    /// Sets the thread count for sgemm and for the parallel loops (at least 1).
    public static func set(_ count: Int) {
        loopThreads = max(1, count)
        openblas_set_num_threads(Int32(loopThreads))
    }

    /// The thread count of the parallel loops.
    public static var current: Int { loopThreads }

    /// OpenBLAS's current thread count.
    public static var blas: Int { Int(openblas_get_num_threads()) }

    /// The number of chunks `parallelFor` splits `count` elements into: at most `current`, each
    /// of at least `grain` elements. Depends only on its arguments and the thread count, so
    /// reductions that combine per-chunk results in chunk order are deterministic.
    static func chunkCount(_ count: Int, grain: Int) -> Int {
        Swift.min(loopThreads, Swift.max(1, count / Swift.max(grain, 1)))
    }

    /// Runs `body(chunk, range)` for each of the `chunkCount` contiguous chunks of `0..<count`,
    /// side by side.
    @inline(__always)
    static func parallelChunks(_ count: Int, grain: Int, _ body: (_ chunk: Int, _ range: Range<Int>) -> Void) {
        let chunks = chunkCount(count, grain: grain)
        if chunks <= 1 {
            body(0, 0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            body(chunk, (count * chunk / chunks)..<(count * (chunk + 1) / chunks))
        }
    }

    /// Runs `body` over the chunks of `0..<count` (see `parallelChunks`): for elementwise work
    /// whose result does not depend on the split.
    @inline(__always)
    public static func parallelFor(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        parallelChunks(count, grain: grain) { _, range in body(range) }
    }

    /// Runs `body` with sgemm single-threaded, for loops that call sgemm from every loop thread.
    static func withSingleThreadedBLAS<R>(_ body: () throws -> R) rethrows -> R {
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(Int32(loopThreads)) }
        return try body()
    }

    /// Elements per chunk below which a memory-bound loop runs on one thread.
    static let elementwiseGrain = 1 << 15
}
