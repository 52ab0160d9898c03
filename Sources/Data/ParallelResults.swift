import Foundation

/// Runs `work(i)` for i in 0..<count on `threads` threads and returns each outcome in index
/// order. Each thread first calls `makeWorker` (for state a thread must own, such as FFT
/// buffers). With `stopAtFirstError`, threads take no new index once one has failed; indices
/// never started stay nil (all of them after a failed one). `progress(done, count)` is called
/// from the worker threads.
public func parallelResults<T>(count: Int, threads: Int, stopAtFirstError: Bool, progress: (@Sendable (Int, Int) -> Void)?,
                        makeWorker: @Sendable () -> (Int) throws -> T) -> [Result<T, Error>?] {
    let slots = ResultSlots<T>(count: count)
    DispatchQueue.concurrentPerform(iterations: max(1, min(threads, count))) { _ in
        let work = makeWorker()
        while let i = slots.claim() {
            let outcome = Result { try work(i) }
            if case .failure = outcome, stopAtFirstError { slots.stop() }
            let finished = slots.store(i, outcome)
            progress?(finished, count)
        }
    }
    return slots.outcomes
}

/// A work counter and one result slot per index, shared by the worker threads.
private final class ResultSlots<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0, finished = 0, stopped = false
    private(set) var outcomes: [Result<T, Error>?]

    init(count: Int) { outcomes = Array(repeating: nil, count: count) }

    /// The next index to work on; nil when all are taken or the work was stopped.
    func claim() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped, next < outcomes.count else { return nil }
        next += 1
        return next - 1
    }

    /// Records an outcome; returns how many indices are finished.
    func store(_ index: Int, _ outcome: Result<T, Error>) -> Int {
        lock.lock()
        defer { lock.unlock() }
        outcomes[index] = outcome
        finished += 1
        return finished
    }

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
    }
}
