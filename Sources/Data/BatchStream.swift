import Foundation

/// Batches made by a producer on its own thread and handed over through a bounded queue.
/// Iterate it (`for batch in stream`); dropping it or calling `cancel()` stops the producer.
public final class BatchStream: Sequence, IteratorProtocol {
    private let queue: BoundedQueue

    /// Starts `produce` on a new thread; it calls `emit` for each batch, which blocks while
    /// `capacity` batches wait and returns false once the stream is cancelled.
    init(capacity: Int, produce: @escaping @Sendable (_ emit: (Batch) -> Bool) -> Void) {
        let queue = BoundedQueue(capacity: capacity)
        self.queue = queue
        let thread = Thread {
            produce { queue.push($0) }
            queue.finish()
        }
        thread.name = "spectrofold.batches"
        thread.start()
    }

    deinit { queue.cancel() }

    /// The next batch, waiting for the producer if it is behind; nil at the end of the epoch.
    public func next() -> Batch? { queue.pop() }

    /// Stops the producer; `next()` then returns nil.
    public func cancel() { queue.cancel() }
}

private final class BoundedQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private let capacity: Int
    private var items: [Batch] = []
    private var finished = false
    private var cancelled = false

    init(capacity: Int) { self.capacity = capacity }

    func push(_ batch: Batch) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        items.append(batch)
        condition.broadcast()
        return true
    }

    func pop() -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !finished && !cancelled { condition.wait() }
        guard !cancelled, !items.isEmpty else { return nil }
        let batch = items.removeFirst()
        condition.broadcast()
        return batch
    }

    func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    func cancel() {
        condition.lock()
        cancelled = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
