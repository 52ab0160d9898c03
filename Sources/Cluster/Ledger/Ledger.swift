import Foundation
import SQLite

/// The coordinator's durable record of sweeps, jobs, attempts, leases, results and workers, in
/// one SQLite file. Every method that changes state commits (with `synchronous = FULL`) before it
/// returns, so the coordinator acknowledges only what is on disk, and a coordinator restarted on
/// the same file continues where the last one stopped. Times are passed in (`now`), never read.
///
/// ```swift
/// let ledger = try Ledger(path: "state/ledger.sqlite")
/// try ledger.createSweep(id: "s1", name: "demo", dataset: digest, configuration: "{}",
///                        jobs: [NewJob(model: "ast", fold: 0, spec: "{}")], maxAttempts: 3, now: Date())
/// if let lease = try ledger.leaseNextJob(worker: "w1", now: Date(), leaseSeconds: 10) { ... }
/// ```
public final class Ledger: @unchecked Sendable {
    /// The schema this code writes (`PRAGMA user_version`).
    public static let schemaVersion = 3
    public var path: String { database.path }
    let database: SQLiteDatabase

    public init(path: String) throws {
        database = try SQLiteDatabase(path: path)
        try database.execute("PRAGMA synchronous = FULL")
        let version = try database.userVersion
        if version == 0 {
            try database.transaction {
                try database.execute(Self.schema)
                try database.setUserVersion(Self.schemaVersion)
            }
        } else if version == 2 {
            // Version 3 added each job's planned cost; a version-2 sweep's jobs all cost one unit
            // (leased in creation order, as that version did).
            try database.transaction {
                try database.execute("ALTER TABLE jobs ADD COLUMN cost REAL NOT NULL DEFAULT 1")
                try database.setUserVersion(Self.schemaVersion)
            }
        } else if version != Self.schemaVersion {
            throw LedgerError(path: path, message: "ledger schema version \(version), this program reads version \(Self.schemaVersion): "
                              + "finish its sweeps with the SpectroFold that wrote it, or start this one on a new state directory")
        }
    }

    private static let schema = """
        CREATE TABLE sweeps (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, dataset TEXT NOT NULL, configuration TEXT NOT NULL,
            finished INTEGER NOT NULL DEFAULT 0, created REAL NOT NULL, ended REAL);
        CREATE TABLE jobs (
            id TEXT PRIMARY KEY, sweep TEXT NOT NULL REFERENCES sweeps(id), model TEXT NOT NULL, repeat INTEGER NOT NULL,
            fold INTEGER NOT NULL, spec TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN ('queued', 'leased', 'done', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0, max_attempts INTEGER NOT NULL, failure TEXT,
            cost REAL NOT NULL DEFAULT 1,
            UNIQUE (sweep, model, repeat, fold));
        CREATE TABLE attempts (
            job TEXT NOT NULL REFERENCES jobs(id), attempt INTEGER NOT NULL, worker TEXT NOT NULL,
            started REAL NOT NULL, ended REAL,
            outcome TEXT NOT NULL CHECK (outcome IN ('running', 'succeeded', 'failed', 'expired', 'worker-lost', 'superseded')),
            reason TEXT, epoch INTEGER,
            PRIMARY KEY (job, attempt));
        CREATE TABLE leases (
            job TEXT PRIMARY KEY REFERENCES jobs(id), attempt INTEGER NOT NULL, worker TEXT NOT NULL, expires REAL NOT NULL);
        CREATE TABLE results (
            job TEXT PRIMARY KEY REFERENCES jobs(id), attempt INTEGER NOT NULL, worker TEXT NOT NULL,
            summary TEXT NOT NULL, state_dict BLOB NOT NULL, received REAL NOT NULL);
        CREATE TABLE progress (
            job TEXT NOT NULL, attempt INTEGER NOT NULL, epoch INTEGER NOT NULL, epochs INTEGER NOT NULL,
            samples_per_second REAL NOT NULL, metrics TEXT NOT NULL, time REAL NOT NULL,
            PRIMARY KEY (job, attempt, epoch), FOREIGN KEY (job, attempt) REFERENCES attempts(job, attempt));
        CREATE TABLE workers (
            id TEXT PRIMARY KEY, host TEXT NOT NULL, cores INTEGER NOT NULL, version TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('alive', 'dead', 'gone')),
            first_seen REAL NOT NULL, last_beat REAL NOT NULL, job TEXT, attempt INTEGER, epoch INTEGER);
        """

    // MARK: - Sweeps and jobs

    /// The id of the job at `path` (`NewJob.path`) in `sweep`.
    public static func jobID(sweep: String, path: String) -> String { "\(sweep)/\(path)" }

    /// Records a sweep and its jobs, all queued. Creating a sweep that exists with the same
    /// dataset is a no-op returning false (a retried submit); with another dataset it is an error.
    @discardableResult
    public func createSweep(id: String, name: String, dataset: String, configuration: String, jobs: [NewJob],
                            maxAttempts: Int, now: Date) throws -> Bool {
        precondition(maxAttempts >= 1, "a job needs at least one attempt")
        return try database.transaction {
            if let existing = try database.query("SELECT dataset FROM sweeps WHERE id = ?", [.text(id)]).first {
                guard existing["dataset"].string == dataset else {
                    throw LedgerError(path: path, message: "sweep '\(id)' exists with dataset \(existing["dataset"].string ?? "?"), not \(dataset)")
                }
                return false
            }
            try database.run("INSERT INTO sweeps (id, name, dataset, configuration, created) VALUES (?, ?, ?, ?, ?)",
                             [.text(id), .text(name), .text(dataset), .text(configuration), .real(now.timeIntervalSince1970)])
            for job in jobs { try insert(job, sweep: id, maxAttempts: maxAttempts) }
            try finishSweepIfComplete(id, now: now)
            return true
        }
    }

    /// Adds `job` (a refit) to an existing sweep, queued, and opens the sweep again until it ends;
    /// the sweep keeps the end time of its first completion. Adding a job that exists is a no-op
    /// returning false (a retried request).
    @discardableResult
    public func addJob(_ job: NewJob, sweep: String, maxAttempts: Int, now: Date) throws -> Bool {
        precondition(maxAttempts >= 1, "a job needs at least one attempt")
        return try database.transaction {
            guard try !database.query("SELECT 1 FROM sweeps WHERE id = ?", [.text(sweep)]).isEmpty else {
                throw LedgerError(path: path, message: "no sweep '\(sweep)'")
            }
            guard try database.query("SELECT 1 FROM jobs WHERE id = ?", [.text(Self.jobID(sweep: sweep, path: job.path))]).isEmpty else {
                return false
            }
            try insert(job, sweep: sweep, maxAttempts: maxAttempts)
            try database.run("UPDATE sweeps SET finished = 0 WHERE id = ?", [.text(sweep)])
            return true
        }
    }

    public func sweepStatus(_ id: String) throws -> SweepStatus {
        guard let sweep = try database.query("SELECT * FROM sweeps WHERE id = ?", [.text(id)]).first else {
            throw LedgerError(path: path, message: "no sweep '\(id)'")
        }
        var counts: [String: Int] = [:]
        for row in try database.query("SELECT state, count(*) AS n FROM jobs WHERE sweep = ? GROUP BY state", [.text(id)]) {
            counts[try row.text("state")] = try row.integer("n")
        }
        return SweepStatus(id: id, name: try sweep.text("name"), dataset: try sweep.text("dataset"),
                           finished: sweep["finished"].int == 1, queued: counts["queued"] ?? 0, leased: counts["leased"] ?? 0,
                           done: counts["done"] ?? 0, failed: counts["failed"] ?? 0)
    }

    /// Every sweep's id with its creation and end times, oldest first.
    public func sweeps() throws -> [(id: String, created: Date, ended: Date?)] {
        try database.query("SELECT id, created, ended FROM sweeps ORDER BY created, rowid").map {
            (try $0.text("id"), Date(timeIntervalSince1970: try $0.real("created")), $0["ended"].double.map(Date.init(timeIntervalSince1970:)))
        }
    }

    /// The configuration text a sweep was created with (the coordinator stores its plan there).
    public func sweepConfiguration(_ id: String) throws -> String {
        guard let row = try database.query("SELECT configuration FROM sweeps WHERE id = ?", [.text(id)]).first else {
            throw LedgerError(path: path, message: "no sweep '\(id)'")
        }
        return try row.text("configuration")
    }

    /// Ids of sweeps with jobs still queued or leased, oldest first.
    public func unfinishedSweeps() throws -> [String] {
        try database.query("SELECT id FROM sweeps WHERE finished = 0 ORDER BY created, rowid").compactMap { $0["id"].string }
    }

    public func job(_ id: String) throws -> JobRecord {
        guard let row = try database.query("SELECT * FROM jobs WHERE id = ?", [.text(id)]).first else {
            throw LedgerError(path: path, message: "no job '\(id)'")
        }
        return try Self.jobRecord(row)
    }

    /// The seconds per cost unit measured so far on `sweep`: each job's succeeded attempt, from
    /// its lease to its result.
    public func durations(sweep: String) throws -> JobDurations {
        JobDurations(try database.query("""
            SELECT jobs.model, jobs.cost, attempts.ended - attempts.started AS seconds FROM attempts JOIN jobs ON jobs.id = attempts.job
            WHERE jobs.sweep = ? AND attempts.outcome = 'succeeded' AND attempts.ended IS NOT NULL
            """, [.text(sweep)]).map {
            try JobDurations.Measured(model: try $0.text("model"), cost: try $0.real("cost"), seconds: try $0.real("seconds"))
        })
    }

    /// A sweep's jobs in creation order.
    public func jobs(sweep: String) throws -> [JobRecord] {
        try database.query("SELECT * FROM jobs WHERE sweep = ? ORDER BY rowid", [.text(sweep)]).map { try Self.jobRecord($0) }
    }

    public func attempts(job: String) throws -> [AttemptRecord] {
        try database.query("SELECT * FROM attempts WHERE job = ? ORDER BY attempt", [.text(job)]).map { row in
            AttemptRecord(job: try row.text("job"), attempt: try row.integer("attempt"), worker: try row.text("worker"),
                          started: Date(timeIntervalSince1970: try row.real("started")),
                          ended: row["ended"].double.map(Date.init(timeIntervalSince1970:)),
                          outcome: try row.value("outcome", as: AttemptOutcome.self),
                          reason: row["reason"].string, epoch: row["epoch"].int)
        }
    }

    /// The accepted result of `job`, if any: the attempt, the worker, the summary JSON and the
    /// state dict bytes.
    public func result(job: String) throws -> (attempt: Int, worker: String, summary: String, stateDict: [UInt8])? {
        guard let row = try database.query("SELECT * FROM results WHERE job = ?", [.text(job)]).first else { return nil }
        return (try row.integer("attempt"), try row.text("worker"), try row.text("summary"), try row.bytes("state_dict"))
    }

    static func jobRecord(_ row: SQLiteRow) throws -> JobRecord {
        JobRecord(id: try row.text("id"), sweep: try row.text("sweep"), model: try row.text("model"),
                  repeat: try row.integer("repeat"), fold: try row.integer("fold"), spec: try row.text("spec"),
                  state: try row.value("state", as: JobState.self),
                  attempts: try row.integer("attempts"), maxAttempts: try row.integer("max_attempts"), failure: row["failure"].string,
                  cost: try row.real("cost"))
    }

    /// Inserts `job` queued. Call inside a transaction.
    private func insert(_ job: NewJob, sweep: String, maxAttempts: Int) throws {
        try database.run("""
            INSERT INTO jobs (id, sweep, model, repeat, fold, spec, state, max_attempts, cost) VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?)
            """, [.text(Self.jobID(sweep: sweep, path: job.path)), .text(sweep), .text(job.model), SQLiteValue(job.repeat),
                  SQLiteValue(job.fold), .text(job.spec), SQLiteValue(maxAttempts), .real(job.cost)])
    }

    /// Marks `sweep` finished when none of its jobs is queued or leased; the end time is that of
    /// its first completion (a refit added later does not move it). Call inside a transaction.
    func finishSweepIfComplete(_ sweep: String, now: Date) throws {
        let open = try database.query("SELECT count(*) AS n FROM jobs WHERE sweep = ? AND state IN ('queued', 'leased')", [.text(sweep)])
        guard open.first?["n"].int == 0 else { return }
        try database.run("UPDATE sweeps SET finished = 1, ended = coalesce(ended, ?) WHERE id = ? AND finished = 0",
                         [.real(now.timeIntervalSince1970), .text(sweep)])
    }
}

extension SQLiteValue {
    /// An optional integer: `.integer` or `.null`.
    static func integer(_ value: Int?) -> SQLiteValue { value.map { .integer(Int64($0)) } ?? .null }
}
