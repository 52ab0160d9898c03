import Foundation
import RunRecords
import SQLite

/// Leases, attempts and their ends: results (first one wins), failures, expiry and requeue.
extension Ledger {
    /// Leases a queued job to `worker` as its next attempt, until `now + leaseSeconds`: from the
    /// oldest sweep with queued jobs, the one expected to take longest (`durations(sweep:)`;
    /// creation order among equals), so that the longest jobs do not all come last. Nil when
    /// nothing is queued or the worker already holds a lease.
    public func leaseNextJob(worker: String, now: Date, leaseSeconds: Double) throws -> LeasedJob? {
        try database.transaction {
            guard try database.query("SELECT 1 FROM leases WHERE worker = ?", [.text(worker)]).isEmpty,
                  let sweep = try database.query("""
                      SELECT sweeps.id, sweeps.dataset FROM sweeps
                      WHERE EXISTS (SELECT 1 FROM jobs WHERE jobs.sweep = sweeps.id AND jobs.state = 'queued')
                      ORDER BY sweeps.created, sweeps.rowid LIMIT 1
                      """).first
            else { return nil }
            let sweepID = try sweep.text("id")
            let durations = try durations(sweep: sweepID)
            let queued = try database.query("SELECT * FROM jobs WHERE sweep = ? AND state = 'queued' ORDER BY rowid", [.text(sweepID)])
                .map { try Self.jobRecord($0) }
            guard let job = queued.max(by: { durations.rank(model: $0.model, cost: $0.cost) < durations.rank(model: $1.model, cost: $1.cost) })
            else { return nil }
            let attempt = job.attempts + 1
            let expires = now.addingTimeInterval(leaseSeconds)
            try database.run("UPDATE jobs SET state = 'leased', attempts = ? WHERE id = ?", [SQLiteValue(attempt), .text(job.id)])
            try database.run("INSERT INTO attempts (job, attempt, worker, started, outcome) VALUES (?, ?, ?, ?, 'running')",
                             [.text(job.id), SQLiteValue(attempt), .text(worker), .real(now.timeIntervalSince1970)])
            try database.run("INSERT INTO leases (job, attempt, worker, expires) VALUES (?, ?, ?, ?)",
                             [.text(job.id), SQLiteValue(attempt), .text(worker), .real(expires.timeIntervalSince1970)])
            return LeasedJob(job: job.id, attempt: attempt, sweep: job.sweep, dataset: try sweep.text("dataset"),
                             spec: job.spec, expires: expires)
        }
    }

    /// The attempts currently leased to `worker`.
    public func leases(worker: String) throws -> [JobAttempt] {
        try database.query("SELECT job, attempt FROM leases WHERE worker = ? ORDER BY job", [.text(worker)]).map {
            JobAttempt(job: try $0.text("job"), attempt: try $0.integer("attempt"))
        }
    }

    /// Ends every lease that expired by `now`: the attempt is `expired`, its job requeued, or
    /// failed when that was its last allowed attempt.
    public func expireLeases(now: Date) throws -> [EndedAttempt] {
        try database.transaction {
            let expired = try database.query("SELECT job, attempt, worker FROM leases WHERE expires <= ? ORDER BY expires, job",
                                             [.real(now.timeIntervalSince1970)])
            return try expired.compactMap { row in
                try endAttempt(JobAttempt(job: try row.text("job"), attempt: try row.integer("attempt")),
                               outcome: .expired, reason: "lease expired (worker \(row["worker"].string ?? "?") went silent)", now: now)
            }
        }
    }

    /// Ends every running attempt that finished no epoch for `limit` seconds (counted from its
    /// start, then from its last recorded epoch) as `expired`: a worker whose training is stuck
    /// keeps heartbeating from its I/O thread, so its lease alone would never lapse.
    public func expireStalledAttempts(now: Date, limit: Double) throws -> [EndedAttempt] {
        try database.transaction {
            let stalled = try database.query("""
                SELECT job, attempt FROM (
                    SELECT a.job, a.attempt, max(a.started, coalesce(
                        (SELECT max(p.time) FROM progress p WHERE p.job = a.job AND p.attempt = a.attempt), 0)) AS moved
                    FROM attempts a WHERE a.outcome = 'running')
                WHERE moved <= ? ORDER BY job
                """, [.real(now.timeIntervalSince1970 - limit)])
            return try stalled.compactMap { row in
                try endAttempt(JobAttempt(job: try row.text("job"), attempt: try row.integer("attempt")), outcome: .expired,
                               reason: "no epoch finished in \(Int(limit)) s (training stalled)", now: now)
            }
        }
    }

    /// After a restart, gives every lease at least `leaseSeconds` from `now`, so workers that
    /// reconnect in that time keep their jobs. Returns how many leases there are.
    @discardableResult
    public func extendLeasesAfterRestart(now: Date, leaseSeconds: Double) throws -> Int {
        try database.transaction {
            try database.run("UPDATE leases SET expires = max(expires, ?)", [.real(now.addingTimeInterval(leaseSeconds).timeIntervalSince1970)])
            return try database.query("SELECT count(*) AS n FROM leases").first?["n"].int ?? 0
        }
    }

    /// Records one finished epoch of a running attempt. False (nothing recorded) when the
    /// attempt is not running on `worker`.
    @discardableResult
    public func recordProgress(_ progress: JobProgress, worker: String, now: Date) throws -> Bool {
        try database.transaction {
            let changed = try database.run("UPDATE attempts SET epoch = ? WHERE job = ? AND attempt = ? AND worker = ? AND outcome = 'running'",
                                           [SQLiteValue(progress.epoch), .text(progress.job), SQLiteValue(progress.attempt), .text(worker)])
            guard changed == 1 else { return false }
            let metrics = String(decoding: try JSONCoding.encoder([.sortedKeys]).encode(progress.record), as: UTF8.self)
            try database.run("""
                INSERT OR REPLACE INTO progress (job, attempt, epoch, epochs, samples_per_second, metrics, time)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [.text(progress.job), SQLiteValue(progress.attempt), SQLiteValue(progress.epoch), SQLiteValue(progress.epochs),
                      .real(progress.samplesPerSecond), .text(metrics), .real(now.timeIntervalSince1970)])
            return true
        }
    }

    /// The epochs recorded for one attempt: (epoch, its `EpochRecord` as JSON), in order.
    public func progress(job: String, attempt: Int) throws -> [(epoch: Int, metrics: String)] {
        try database.query("SELECT epoch, metrics FROM progress WHERE job = ? AND attempt = ? ORDER BY epoch",
                           [.text(job), SQLiteValue(attempt)]).map { (try $0.integer("epoch"), try $0.text("metrics")) }
    }

    /// Records a RESULT. The first result of a job that is still queued or leased wins, from any
    /// of its attempts (a late one included); any other running attempt of the job is
    /// superseded. Results for done or failed jobs, or for attempts that never existed, are dropped.
    public func recordResult(_ attempt: JobAttempt, worker: String, summary: String, stateDict: [UInt8], now: Date) throws -> ResultDisposition {
        try database.transaction {
            guard let job = try database.query("SELECT state FROM jobs WHERE id = ?", [.text(attempt.job)]).first else {
                return .dropped(reason: "no job '\(attempt.job)'")
            }
            guard try !database.query("SELECT 1 FROM attempts WHERE job = ? AND attempt = ? AND worker = ?",
                                      [.text(attempt.job), SQLiteValue(attempt.attempt), .text(worker)]).isEmpty else {
                return .dropped(reason: "job '\(attempt.job)' has no attempt \(attempt.attempt) by worker '\(worker)'")
            }
            let state = try job.text("state")
            guard state == JobState.queued.rawValue || state == JobState.leased.rawValue else {
                return .dropped(reason: "job '\(attempt.job)' is already \(state)")
            }
            let time = SQLiteValue.real(now.timeIntervalSince1970)
            try database.run("INSERT INTO results (job, attempt, worker, summary, state_dict, received) VALUES (?, ?, ?, ?, ?, ?)",
                             [.text(attempt.job), SQLiteValue(attempt.attempt), .text(worker), .text(summary), .blob(stateDict), time])
            try database.run("""
                UPDATE attempts SET outcome = 'succeeded', ended = coalesce(ended, ?),
                    reason = CASE WHEN outcome = 'running' THEN NULL ELSE 'late result after ' || outcome END
                WHERE job = ? AND attempt = ?
                """, [time, .text(attempt.job), SQLiteValue(attempt.attempt)])
            let others = try database.query("SELECT attempt, worker FROM attempts WHERE job = ? AND outcome = 'running'", [.text(attempt.job)])
            try database.run("UPDATE attempts SET outcome = 'superseded', ended = ?, reason = ? WHERE job = ? AND outcome = 'running'",
                             [time, .text("attempt \(attempt.attempt) finished first"), .text(attempt.job)])
            try database.run("DELETE FROM leases WHERE job = ?", [.text(attempt.job)])
            try database.run("UPDATE jobs SET state = 'done' WHERE id = ?", [.text(attempt.job)])
            try database.run("UPDATE workers SET job = NULL, attempt = NULL, epoch = NULL WHERE id = ? AND job = ?",
                             [.text(worker), .text(attempt.job)])
            try finishSweepIfComplete(try sweepOf(attempt.job), now: now)
            return .accepted(superseded: try others.map {
                HeldAttempt(attempt: JobAttempt(job: attempt.job, attempt: try $0.integer("attempt")), worker: try $0.text("worker"))
            })
        }
    }

    /// Records a FAILED report: the attempt ends as `failed` and the job is requeued or, on its
    /// last allowed attempt or when the failure is `permanent` (no retry can change it), fails
    /// with `reason`. Nil when the attempt was not running on `worker` (a late or repeated
    /// report, dropped).
    public func recordFailure(_ attempt: JobAttempt, worker: String, reason: String, permanent: Bool = false, now: Date) throws -> EndedAttempt? {
        try database.transaction {
            guard try !database.query("SELECT 1 FROM attempts WHERE job = ? AND attempt = ? AND worker = ? AND outcome = 'running'",
                                      [.text(attempt.job), SQLiteValue(attempt.attempt), .text(worker)]).isEmpty else { return nil }
            return try endAttempt(attempt, outcome: .failed, reason: reason, final: permanent, now: now)
        }
    }

    /// Ends a running attempt without a result (inside a transaction): records the outcome,
    /// drops its lease, and requeues the job or fails it on its last allowed attempt (or at once
    /// when `final`). Nil when the attempt is not running.
    func endAttempt(_ attempt: JobAttempt, outcome: AttemptOutcome, reason: String, final: Bool = false, now: Date) throws -> EndedAttempt? {
        guard let row = try database.query("SELECT worker FROM attempts WHERE job = ? AND attempt = ? AND outcome = 'running'",
                                           [.text(attempt.job), SQLiteValue(attempt.attempt)]).first else { return nil }
        let worker = try row.text("worker")
        try database.run("UPDATE attempts SET outcome = ?, reason = ?, ended = ? WHERE job = ? AND attempt = ?",
                         [.text(outcome.rawValue), .text(reason), .real(now.timeIntervalSince1970), .text(attempt.job), SQLiteValue(attempt.attempt)])
        try database.run("DELETE FROM leases WHERE job = ? AND attempt = ?", [.text(attempt.job), SQLiteValue(attempt.attempt)])
        try database.run("UPDATE workers SET job = NULL, attempt = NULL, epoch = NULL WHERE id = ? AND job = ?",
                         [.text(worker), .text(attempt.job)])
        let job = try self.job(attempt.job)
        var jobFailed = false
        if job.state == .leased && job.attempts == attempt.attempt {
            jobFailed = final || job.attempts >= job.maxAttempts
            if jobFailed {
                let which = final ? "attempt \(attempt.attempt), not retried (a configuration or data error)" : "attempt \(attempt.attempt) of \(job.maxAttempts)"
                try database.run("UPDATE jobs SET state = 'failed', failure = ? WHERE id = ?", [.text("\(which): \(reason)"), .text(job.id)])
                try finishSweepIfComplete(job.sweep, now: now)
            } else {
                try database.run("UPDATE jobs SET state = 'queued' WHERE id = ?", [.text(job.id)])
            }
        }
        return EndedAttempt(attempt: attempt, worker: worker, outcome: outcome, jobFailed: jobFailed, reason: reason)
    }

    private func sweepOf(_ job: String) throws -> String {
        guard let row = try database.query("SELECT sweep FROM jobs WHERE id = ?", [.text(job)]).first else {
            throw LedgerError(path: path, message: "no job '\(job)'")
        }
        return try row.text("sweep")
    }
}
