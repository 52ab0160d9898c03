import Foundation
import RunRecords
import SQLite

/// The durable queue of tracking events: a SQLite file where every event is recorded before it
/// is delivered, in the order recorded, so that a sweep never waits for MLflow and nothing is
/// lost while MLflow is down or our process restarts.
///
/// Files: the database at `path` and, beside it, the directory `<path>.artifacts/` holding a
/// copy of every artifact file an undelivered event uploads (copied when recorded, so the
/// trainer may delete or overwrite its own file at once; removed once delivered).
///
/// Tables: `events` (pending, by sequence number), `runs` (our run key → MLflow run id and
/// artifact URI, once created), `rejected` (events the server refused, kept for inspection),
/// `settings` (the tracking destination, so `spectrofold mlflow flush` needs only the file),
/// `recorded` (the marks of events recorded, so that recording one again is a no-op).
public final class TrackingOutbox: @unchecked Sendable {
    public let path: String
    public let artifactsDirectory: String

    /// The outbox's name inside a sweep's state directory.
    public static let defaultFileName = "mlflow-outbox.sqlite"
    let database: SQLiteDatabase

    /// An event waiting for delivery.
    struct Event {
        let sequence: Int64
        let runKey: String
        let operation: TrackingOperation
    }

    /// An MLflow run we created or found.
    struct RunRecord: Equatable {
        let runId: String
        let artifactURI: String
    }

    /// Opens the outbox at `path`, creating it (and its artifact directory) if needed, and
    /// removes artifact copies that no pending event refers to and that are over an hour old
    /// (left by a crash between copying and recording; younger ones may belong to another
    /// process recording into the same outbox right now).
    public init(path: String) throws {
        self.path = path
        artifactsDirectory = path + ".artifacts"
        database = try SQLiteDatabase(path: path)
        try database.execute("""
            CREATE TABLE IF NOT EXISTS events (
                sequence INTEGER PRIMARY KEY AUTOINCREMENT, run_key TEXT NOT NULL, kind TEXT NOT NULL,
                operation TEXT NOT NULL, stored_file TEXT, recorded_ms INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS runs (run_key TEXT PRIMARY KEY, run_id TEXT NOT NULL, artifact_uri TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS rejected (
                sequence INTEGER PRIMARY KEY, run_key TEXT NOT NULL, kind TEXT NOT NULL, operation TEXT NOT NULL,
                error TEXT NOT NULL, rejected_ms INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS recorded (mark TEXT PRIMARY KEY);
            """)
        try FileManager.default.createDirectory(atPath: artifactsDirectory, withIntermediateDirectories: true)
        try removeUnreferencedArtifacts()
    }

    // MARK: - Destination

    /// The tracking destination the events are for, as last set by a `SweepTracker`.
    public func destination() throws -> TrackingSettings? {
        guard let text = try database.query("SELECT value FROM settings WHERE key = 'destination'").first?["value"].string else {
            return nil
        }
        return try JSONDecoder().decode(TrackingSettings.self, from: Data(text.utf8))
    }

    func setDestination(_ settings: TrackingSettings) throws {
        let text = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        try database.run("INSERT OR REPLACE INTO settings (key, value) VALUES ('destination', ?)", [.text(text)])
    }

    // MARK: - Recording

    /// Copies the file at `localPath` into the artifact directory; returns the copy's name.
    func storeArtifact(_ localPath: String) throws -> String {
        let name = UUID().uuidString + "-" + (localPath as NSString).lastPathComponent
        do {
            try FileManager.default.copyItem(atPath: localPath, toPath: artifactPath(name))
            try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: artifactPath(name))
        } catch {
            throw TrackingInputError("artifact file '\(localPath)' cannot be copied into \(artifactsDirectory): \(error.localizedDescription)")
        }
        return name
    }

    /// Whether an event with this mark was recorded.
    func isRecorded(_ mark: String) throws -> Bool {
        try !database.query("SELECT 1 FROM recorded WHERE mark = ?", [.text(mark)]).isEmpty
    }

    /// Appends `operations` (each for its run key) in one transaction: all or none. With a
    /// `mark`, only the first recording of that mark appends anything; returns whether it did.
    @discardableResult
    func record(_ operations: [(runKey: String, operation: TrackingOperation)], mark: String? = nil) throws -> Bool {
        let encoder = JSONCoding.encoder()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return try database.transaction {
            if let mark, try database.run("INSERT OR IGNORE INTO recorded (mark) VALUES (?)", [.text(mark)]) == 0 { return false }
            for (runKey, operation) in operations {
                let json = String(decoding: try encoder.encode(operation), as: UTF8.self)
                try database.run("INSERT INTO events (run_key, kind, operation, stored_file, recorded_ms) VALUES (?, ?, ?, ?, ?)",
                                 [.text(runKey), .text(operation.kind), .text(json), SQLiteValue(operation.storedFile), .integer(now)])
            }
            return true
        }
    }

    // MARK: - Delivering

    /// The first `limit` pending events, oldest first.
    func pending(limit: Int) throws -> [Event] {
        try database.query("SELECT sequence, run_key, operation FROM events ORDER BY sequence LIMIT ?", [.init(limit)]).map { row in
            Event(sequence: Int64(row["sequence"].int!), runKey: row["run_key"].string!,
                  operation: try JSONCoding.decode(TrackingOperation.self, from: Data(row["operation"].string!.utf8)))
        }
    }

    /// Removes a delivered event and its artifact copy.
    func delivered(_ event: Event) throws {
        try database.run("DELETE FROM events WHERE sequence = ?", [.integer(event.sequence)])
        removeArtifactCopy(of: event)
    }

    /// Moves an event the server refused to `rejected`, with the reason.
    func reject(_ event: Event, reason: String) throws {
        try database.transaction {
            try database.run("""
                INSERT OR REPLACE INTO rejected (sequence, run_key, kind, operation, error, rejected_ms)
                SELECT sequence, run_key, kind, operation, ?, ? FROM events WHERE sequence = ?
                """, [.text(reason), .integer(Int64(Date().timeIntervalSince1970 * 1000)), .integer(event.sequence)])
            try database.run("DELETE FROM events WHERE sequence = ?", [.integer(event.sequence)])
        }
        removeArtifactCopy(of: event)
    }

    func run(for runKey: String) throws -> RunRecord? {
        try database.query("SELECT run_id, artifact_uri FROM runs WHERE run_key = ?", [.text(runKey)]).first.map {
            RunRecord(runId: $0["run_id"].string!, artifactURI: $0["artifact_uri"].string!)
        }
    }

    func setRun(_ record: RunRecord, for runKey: String) throws {
        try database.run("INSERT OR REPLACE INTO runs (run_key, run_id, artifact_uri) VALUES (?, ?, ?)",
                         [.text(runKey), .text(record.runId), .text(record.artifactURI)])
    }

    func artifactPath(_ storedFile: String) -> String {
        (artifactsDirectory as NSString).appendingPathComponent(storedFile)
    }

    // MARK: - Status

    /// How many events wait for delivery.
    public func pendingCount() throws -> Int {
        try database.query("SELECT count(*) AS n FROM events").first?["n"].int ?? 0
    }

    /// Every event the server refused: "<run key> <kind>: <reason>", oldest first.
    public func rejectedEvents() throws -> [String] {
        try database.query("SELECT run_key, kind, error FROM rejected ORDER BY sequence").map {
            "\($0["run_key"].string!) \($0["kind"].string!): \($0["error"].string!)"
        }
    }

    // MARK: - Private

    private func removeArtifactCopy(of event: Event) {
        if let storedFile = event.operation.storedFile {
            try? FileManager.default.removeItem(atPath: artifactPath(storedFile))
        }
    }

    private func removeUnreferencedArtifacts() throws {
        let referenced = Set(try database.query("SELECT stored_file FROM events WHERE stored_file IS NOT NULL").compactMap { $0["stored_file"].string })
        let cutoff = Date().addingTimeInterval(-3600)
        for name in try FileManager.default.contentsOfDirectory(atPath: artifactsDirectory) where !referenced.contains(name) {
            let modified = try? FileManager.default.attributesOfItem(atPath: artifactPath(name))[.modificationDate] as? Date
            if let modified, modified < cutoff { try? FileManager.default.removeItem(atPath: artifactPath(name)) }
        }
    }
}
