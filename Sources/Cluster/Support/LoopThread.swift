import Foundation

/// A named thread that runs one loop until asked to stop. The loop checks `shouldStop` at
/// least every poll timeout; `stop()` asks and waits until the loop has returned.
final class LoopThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopping = false
    private var finished = false

    /// Starts `body` on a new thread named `name`; `body` returns when `shouldStop` turns true.
    init(name: String, body: @escaping @Sendable (LoopThread) -> Void) {
        let thread = Thread { [self] in
            body(self)
            condition.lock()
            finished = true
            condition.broadcast()
            condition.unlock()
        }
        thread.name = name
        thread.start()
    }

    var shouldStop: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    /// Asks the loop to stop, calls `wake` (to interrupt a wait), and waits until it has returned.
    func stop(wake: () -> Void = {}) {
        condition.lock()
        stopping = true
        condition.unlock()
        wake()
        condition.lock()
        while !finished { condition.wait() }
        condition.unlock()
    }
}
