import Foundation
import SQLite

/// Workers: who they are, their liveness, their last heartbeat (which renews their lease).
extension Ledger {
    /// What a heartbeat naming an attempt found.
    public enum HeartbeatOutcome: Equatable, Sendable {
        /// No attempt named: an idle worker.
        case idle
        /// The named attempt's lease now runs until the given time.
        case renewed(until: Date)
        /// The named attempt holds no lease by this worker (expired, superseded, never
        /// granted): the worker should get CANCEL.
        case notLeased
    }

    /// Records a HELLO: the worker is alive (created, or updated and revived). Returns its
    /// previous state, nil for a worker never seen.
    @discardableResult
    public func workerConnected(_ hello: WorkerHello, now: Date) throws -> WorkerState? {
        try database.transaction {
            let previous = try database.query("SELECT state FROM workers WHERE id = ?", [.text(hello.worker)]).first
            let time = SQLiteValue.real(now.timeIntervalSince1970)
            try database.run("""
                INSERT INTO workers (id, host, cores, version, state, first_seen, last_beat) VALUES (?, ?, ?, ?, 'alive', ?, ?)
                ON CONFLICT (id) DO UPDATE SET host = excluded.host, cores = excluded.cores, version = excluded.version,
                    state = 'alive', last_beat = excluded.last_beat
                """, [.text(hello.worker), .text(hello.host), SQLiteValue(hello.cores), .text(hello.version), time, time])
            return try previous.map { try $0.value("state", as: WorkerState.self) }
        }
    }

    /// Records a heartbeat of a known worker (its last beat, and what it is working on); a named
    /// attempt leased to it is renewed until `now + leaseSeconds`.
    public func recordHeartbeat(worker: String, _ beat: WorkerHeartbeat, now: Date, leaseSeconds: Double) throws -> HeartbeatOutcome {
        try database.transaction {
            try database.run("UPDATE workers SET last_beat = ?, job = ?, attempt = ?, epoch = ? WHERE id = ?",
                             [.real(now.timeIntervalSince1970), SQLiteValue(beat.job), SQLiteValue.integer(beat.attempt),
                              SQLiteValue.integer(beat.epoch), .text(worker)])
            guard let job = beat.job, let attempt = beat.attempt else { return .idle }
            let until = now.addingTimeInterval(leaseSeconds)
            let renewed = try database.run("UPDATE leases SET expires = max(expires, ?) WHERE job = ? AND attempt = ? AND worker = ?",
                                           [.real(until.timeIntervalSince1970), .text(job), SQLiteValue(attempt), .text(worker)])
            guard renewed == 1 else { return .notLeased }
            if let epoch = beat.epoch {
                try database.run("UPDATE attempts SET epoch = max(coalesce(epoch, -1), ?) WHERE job = ? AND attempt = ?",
                                 [SQLiteValue(epoch), .text(job), SQLiteValue(attempt)])
            }
            return .renewed(until: until)
        }
    }

    /// Marks a worker `dead` (silent) or `gone` (said BYE) and ends its running attempts as
    /// `worker-lost` (requeued, or failed on their last attempt).
    public func workerLost(_ worker: String, state: WorkerState, reason: String, now: Date) throws -> [EndedAttempt] {
        precondition(state != .alive, "a lost worker is dead or gone")
        return try database.transaction {
            try database.run("UPDATE workers SET state = ? WHERE id = ?", [.text(state.rawValue), .text(worker)])
            let running = try database.query("SELECT job, attempt FROM attempts WHERE worker = ? AND outcome = 'running' ORDER BY job",
                                             [.text(worker)])
            return try running.compactMap {
                try endAttempt(JobAttempt(job: try $0.text("job"), attempt: try $0.integer("attempt")),
                               outcome: .workerLost, reason: "worker \(worker) \(reason)", now: now)
            }
        }
    }

    public func workers() throws -> [WorkerRecord] {
        try database.query("SELECT * FROM workers ORDER BY id").map { row in
            WorkerRecord(id: try row.text("id"), host: try row.text("host"), cores: try row.integer("cores"),
                         version: try row.text("version"), state: try row.value("state", as: WorkerState.self),
                         firstSeen: Date(timeIntervalSince1970: try row.real("first_seen")),
                         lastBeat: Date(timeIntervalSince1970: try row.real("last_beat")),
                         job: row["job"].string, attempt: row["attempt"].int, epoch: row["epoch"].int)
        }
    }
}
