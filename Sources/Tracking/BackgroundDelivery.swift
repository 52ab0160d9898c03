import Foundation

/// A thread that runs delivery passes whenever events are recorded, and while MLflow is down
/// retries after a pause that doubles from 1 s up to 30 s, so recording never waits on the
/// network.
final class BackgroundDelivery: @unchecked Sendable {
    private let delivery: OutboxDelivery
    private let condition = NSCondition()
    private var wanted = false
    private var stopping = false
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    static let initialPause: TimeInterval = 1
    static let maximumPause: TimeInterval = 30

    init(delivery: OutboxDelivery) {
        self.delivery = delivery
        let thread = Thread { self.loop() }  // holds self until `stop()` ends the loop
        thread.name = "spectrofold.mlflow-delivery"
        self.thread = thread
        thread.start()
    }

    /// Asks for a pass soon (not before a pause after a failure has run out).
    func wake() {
        condition.lock()
        wanted = true
        condition.signal()
        condition.unlock()
    }

    /// Ends the thread after its current pass; pending events stay in the outbox.
    func stop() {
        condition.lock()
        guard thread != nil else { condition.unlock(); return }
        stopping = true
        thread = nil
        condition.signal()
        condition.unlock()
        finished.wait()
    }

    private func loop() {
        var pause = Self.initialPause
        var retryAt: Date?
        while true {
            condition.lock()
            while !stopping {
                if let due = retryAt {
                    if !condition.wait(until: due) { break }
                } else if wanted {
                    break
                } else {
                    condition.wait()
                }
            }
            let stop = stopping
            wanted = false
            condition.unlock()
            if stop { break }

            let report = delivery.deliverPending()
            if report.error != nil, report.pending > 0 {
                retryAt = Date().addingTimeInterval(pause)
                pause = min(Self.maximumPause, pause * 2)
            } else {
                retryAt = nil
                pause = Self.initialPause
            }
        }
        finished.signal()
    }
}
