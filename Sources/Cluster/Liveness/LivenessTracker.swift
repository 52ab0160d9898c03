import Foundation

/// A change in a worker's liveness as the coordinator sees it.
public struct LivenessChange: Equatable, Sendable {
    public let worker: String
    /// Nil for a worker not seen before (in this process).
    public let from: WorkerState?
    public let to: WorkerState
    public let time: Date
    public let reason: String

    public init(worker: String, from: WorkerState?, to: WorkerState, time: Date, reason: String) {
        self.worker = worker; self.from = from; self.to = to; self.time = time; self.reason = reason
    }
}

/// Paranoid-Pirate liveness: a worker is alive while it is heard from (any message counts as a
/// heartbeat) and dead once silent for `livenessIntervals` heartbeat intervals. Times are passed
/// in; nothing here reads a clock.
public struct LivenessTracker: Sendable {
    public let heartbeatInterval: TimeInterval
    public let livenessIntervals: Int
    private var lastHeard: [String: Date] = [:]
    private var states: [String: WorkerState] = [:]

    public init(heartbeatInterval: TimeInterval, livenessIntervals: Int) {
        precondition(heartbeatInterval > 0 && livenessIntervals >= 1, "liveness needs a positive interval and at least one interval")
        self.heartbeatInterval = heartbeatInterval
        self.livenessIntervals = livenessIntervals
    }

    /// How long a worker may stay silent before it is dead, in seconds.
    public var silenceLimit: TimeInterval { heartbeatInterval * Double(livenessIntervals) }

    /// A message from `worker` arrived at `time`; returns the change when it was new, dead or gone.
    public mutating func heard(from worker: String, at time: Date, reason: String) -> LivenessChange? {
        lastHeard[worker] = time
        let previous = states[worker]
        guard previous != .alive else { return nil }
        states[worker] = .alive
        return LivenessChange(worker: worker, from: previous, to: .alive, time: time, reason: reason)
    }

    /// `worker` said BYE (or was disconnected) at `time`.
    public mutating func left(_ worker: String, at time: Date, reason: String) -> LivenessChange? {
        guard let previous = states[worker], previous == .alive else { return nil }
        states[worker] = .gone
        return LivenessChange(worker: worker, from: previous, to: .gone, time: time, reason: reason)
    }

    /// Every alive worker silent for at least `silenceLimit` at `now` becomes dead.
    public mutating func expire(now: Date) -> [LivenessChange] {
        var changes: [LivenessChange] = []
        for (worker, state) in states.sorted(by: { $0.key < $1.key }) where state == .alive {
            let silent = now.timeIntervalSince(lastHeard[worker] ?? now)
            guard silent >= silenceLimit else { continue }
            states[worker] = .dead
            changes.append(LivenessChange(worker: worker, from: .alive, to: .dead, time: now,
                                          reason: "silent for \(String(format: "%.1f", silent)) s"))
        }
        return changes
    }

    public func state(of worker: String) -> WorkerState? { states[worker] }
    public func lastHeard(from worker: String) -> Date? { lastHeard[worker] }

    /// Workers currently alive, sorted.
    public var aliveWorkers: [String] { states.filter { $0.value == .alive }.map(\.key).sorted() }
}
