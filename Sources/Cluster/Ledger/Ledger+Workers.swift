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
            return previous.flatMap { WorkerState(rawValue: $0["state"].string ?? "") }
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
                try endAttempt(JobAttempt(job: $0["job"].string ?? "", attempt: $0["attempt"].int ?? 0),
                               outcome: .workerLost, reason: "worker \(worker) \(reason)", now: now)
            }
        }
    }

    public func workers() throws -> [WorkerRecord] {
        try database.query("SELECT * FROM workers ORDER BY id").map { row in
            WorkerRecord(id: row["id"].string ?? "", host: row["host"].string ?? "", cores: row["cores"].int ?? 0,
                         version: row["version"].string ?? "", state: WorkerState(rawValue: row["state"].string ?? "") ?? .dead,
                         firstSeen: Date(timeIntervalSince1970: row["first_seen"].double ?? 0),
                         lastBeat: Date(timeIntervalSince1970: row["last_beat"].double ?? 0),
                         job: row["job"].string, attempt: row["attempt"].int, epoch: row["epoch"].int)
        }
    }
}
