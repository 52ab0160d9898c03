import Foundation

/// The coordinator's heartbeat log: JSON lines, appended, one per liveness change of a worker,
/// one per attempt that ended without a result, one per result acknowledged and dropped, and
/// one per worker per status period. Keys are sorted; times are ISO 8601 UTC with
/// milliseconds. Examples:
///
/// ```
/// {"event":"liveness","from":"alive","reason":"silent for 3.0 s","time":"2026-12-01T06:30:03.000Z","to":"dead","worker":"w1"}
/// {"attempt":1,"epoch":3,"event":"status","job":"s1/ast/fold-0","last_beat":"2026-12-01T06:30:02.500Z",
///  "samples_per_second":118.5,"silent_s":0.5,"state":"alive","time":"2026-12-01T06:30:03.000Z","worker":"w1"}
/// ```
/// (each on one line). Safe to call from several threads; each line is one `write(2)` on an
/// `O_APPEND` descriptor, so lines never interleave.
public final class HeartbeatLog: @unchecked Sendable {
    /// One periodic line: a worker's last beat and what it is doing.
    public struct Status: Equatable, Sendable {
        public let worker: String
        public let state: WorkerState
        public let lastBeat: Date
        public let job: String?
        public let attempt: Int?
        /// The epoch in progress (0-based), when reported.
        public let epoch: Int?
        /// The worker's last reported training rate, samples per second.
        public let samplesPerSecond: Double?

        public init(worker: String, state: WorkerState, lastBeat: Date, job: String?, attempt: Int?, epoch: Int?, samplesPerSecond: Double?) {
            self.worker = worker; self.state = state; self.lastBeat = lastBeat; self.job = job
            self.attempt = attempt; self.epoch = epoch; self.samplesPerSecond = samplesPerSecond
        }
    }

    public let path: String
    private let descriptor: Int32
    private let lock = NSLock()

    /// Opens `path` for appending, creating it (mode 0644) if needed.
    public init(path: String) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path,
                                                           NSLocalizedDescriptionKey: "\(path): cannot open the heartbeat log: \(String(cString: strerror(errno)))"])
        }
    }

    deinit { close(descriptor) }

    public func record(_ change: LivenessChange) throws {
        var fields: [String: Any] = ["event": "liveness", "time": Self.timestamp(change.time), "worker": change.worker,
                                     "to": change.to.rawValue, "reason": change.reason]
        if let from = change.from { fields["from"] = from.rawValue }
        try append(fields)
    }

    /// An attempt that ended without a result (its worker lost, its lease expired, training
    /// failed or stalled, another attempt finished first), and what became of its job.
    public func record(_ ended: EndedAttempt, now: Date) throws {
        try append(["event": "attempt", "time": Self.timestamp(now), "worker": ended.worker, "job": ended.attempt.job,
                    "attempt": ended.attempt.attempt, "outcome": ended.outcome.rawValue, "reason": ended.reason,
                    "job_state": ended.jobFailed ? "failed" : (ended.outcome == .superseded ? "done" : "queued")])
    }

    /// A result that arrived after its job was done or failed: acknowledged and dropped.
    public func recordDroppedResult(_ attempt: JobAttempt, worker: String, reason: String, now: Date) throws {
        try append(["event": "result", "outcome": "dropped", "time": Self.timestamp(now), "worker": worker, "job": attempt.job,
                    "attempt": attempt.attempt, "reason": reason])
    }

    public func record(_ status: Status, now: Date) throws {
        var fields: [String: Any] = ["event": "status", "time": Self.timestamp(now), "worker": status.worker,
                                     "state": status.state.rawValue, "last_beat": Self.timestamp(status.lastBeat),
                                     "silent_s": (now.timeIntervalSince(status.lastBeat) * 1000).rounded() / 1000]
        if let job = status.job { fields["job"] = job }
        if let attempt = status.attempt { fields["attempt"] = attempt }
        if let epoch = status.epoch { fields["epoch"] = epoch }
        if let rate = status.samplesPerSecond, rate.isFinite { fields["samples_per_second"] = rate }
        try append(fields)
    }

    private func append(_ fields: [String: Any]) throws {
        var line = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes])
        line.append(0x0a)
        lock.lock()
        defer { lock.unlock() }
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path,
                                                           NSLocalizedDescriptionKey: "\(path): cannot append: \(String(cString: strerror(errno)))"])
        }
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
