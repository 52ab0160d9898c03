import CBLAS
import Foundation
import Synchronization

/// How many threads the engine's kernels use: the chunks of `ComputeThreads.parallelFor`, and the
/// blocks a large sgemm is split into (see `gemm`). OpenBLAS itself runs single-threaded for good:
/// its idle threads spin for up to 2²⁸ cycles after every call (OPENBLAS_THREAD_TIMEOUT) before
/// they sleep, and on two cores that spinning took the core from the loop that ran next (AST mini
/// inference on 2 threads: 60–64 ms of CPU per 30–32 ms step, 40 ms per 23 ms without it).
public enum ComputeThreads {
    nonisolated(unsafe) private static var loopThreads = ProcessInfo.processInfo.activeProcessorCount
    /// False inside loops that already run a gemm on every loop thread (`withSerialGemm`).
    nonisolated(unsafe) private static var gemmMaySplit = true
    private static let singleThreadedBLAS: Void = openblas_set_num_threads(1)

    /// Sets the thread count of the parallel loops and of gemm's splits (at least 1).
    public static func set(_ count: Int) {
        loopThreads = max(1, count)
        _ = singleThreadedBLAS
    }

    /// The thread count of the parallel loops.
    public static var current: Int { loopThreads }

    /// OpenBLAS's own thread count: 1 once the engine has run a gemm or set a thread count.
    public static var blas: Int { Int(openblas_get_num_threads()) }

    /// Whether a gemm of m·n·k multiply-adds, split along `length` (its larger output side), runs
    /// as blocks on the loop threads: when there are several threads, no enclosing loop already
    /// runs on them, and the product is large enough to repay the hand-off (2²⁰ multiply-adds,
    /// about 10 µs). Makes sure OpenBLAS runs single-threaded.
    static func splitsGemm(multiplyAdds: Int, length: Int) -> Bool {
        _ = singleThreadedBLAS
        return loopThreads > 1 && gemmMaySplit && multiplyAdds >= 1 << 20 && length >= 32 * loopThreads
    }

    /// The number of chunks `parallelFor` splits `count` elements into: at most `current`, each
    /// of at least `grain` elements. Depends only on its arguments and the thread count, so
    /// reductions that combine per-chunk results in chunk order are deterministic.
    static func chunkCount(_ count: Int, grain: Int) -> Int {
        Swift.min(loopThreads, Swift.max(1, count / Swift.max(grain, 1)))
    }

    /// Runs `body(chunk, range)` for each of the `chunkCount` contiguous chunks of `0..<count`,
    /// side by side on the loop threads (`LoopWorkers`); a loop started inside another runs its
    /// chunks one after another on its own thread.
    @inline(__always)
    static func parallelChunks(_ count: Int, grain: Int, _ body: (_ chunk: Int, _ range: Range<Int>) -> Void) {
        let chunks = chunkCount(count, grain: grain)
        if chunks <= 1 {
            body(0, 0..<count)
            return
        }
        func run(_ chunk: Int) { body(chunk, (count * chunk / chunks)..<(count * (chunk + 1) / chunks)) }
        if !workers.run(chunks: chunks, run) {
            for chunk in 0..<chunks { run(chunk) }
        }
    }

    /// The loop threads of the current count (`LoopWorkers`), one set per count ever used.
    private static var workers: LoopWorkers {
        workerSets.withLock { sets in
            if let workers = sets[loopThreads] { return workers }
            let workers = LoopWorkers(helpers: loopThreads - 1)
            sets[loopThreads] = workers
            return workers
        }
    }
    private static let workerSets = Mutex<[Int: LoopWorkers]>([:])

    /// Runs `body` over the chunks of `0..<count` (see `parallelChunks`): for elementwise work
    /// whose result does not depend on the split.
    @inline(__always)
    public static func parallelFor(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        parallelChunks(count, grain: grain) { _, range in body(range) }
    }

    /// Runs `body` with every gemm in one piece, for loops that call gemm from every loop thread.
    static func withSerialGemm<R>(_ body: () throws -> R) rethrows -> R {
        let enclosing = gemmMaySplit
        gemmMaySplit = false
        defer { gemmMaySplit = enclosing }
        return try body()
    }

    /// Elements per chunk below which a memory-bound loop runs on one thread.
    static let elementwiseGrain = 1 << 15

    /// The grain, in items, of a memory-bound loop over items of `size` elements each: chunks of
    /// about `elementwiseGrain` elements, at least one item.
    static func grain(itemSize size: Int) -> Int { Swift.max(1, elementwiseGrain / Swift.max(size, 1)) }
}
