import CSQLite
import Foundation

/// A connection to one SQLite file, in WAL mode with a busy timeout and foreign keys on, safe to
/// share between threads (each call, and each `transaction`, holds the connection's lock).
///
/// ```swift
/// let db = try SQLiteDatabase(path: "ledger.sqlite")
/// try db.execute("CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, state TEXT NOT NULL)")
/// try db.transaction {
///     try db.run("INSERT INTO jobs VALUES (?, ?)", ["ast/fold-0", "queued"])
/// }
/// let queued = try db.query("SELECT id FROM jobs WHERE state = ?", ["queued"]).map { $0["id"].string! }
/// ```
public final class SQLiteDatabase: @unchecked Sendable {
    public let path: String
    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    private let lock = NSRecursiveLock()

    /// Opens (creating if needed) the database at `path`.
    public init(path: String, busyTimeoutMilliseconds: Int32 = 10_000) throws {
        self.path = path
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(handle)
            throw SQLiteError(path: path, sql: nil, code: status, message: message)
        }
        sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
        try execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close(handle)
    }

    /// Runs one or more statements without parameters (schema, pragmas).
    public func execute(_ sql: String) throws {
        try locked {
            var error: UnsafeMutablePointer<CChar>?
            let status = sqlite3_exec(handle, sql, nil, nil, &error)
            if status != SQLITE_OK {
                let message = error.map { String(cString: $0) } ?? "unknown error"
                sqlite3_free(error)
                throw SQLiteError(path: path, sql: sql, code: status, message: message)
            }
        }
    }

    /// Runs one statement with `parameters` bound to its `?` placeholders; returns the rows changed.
    @discardableResult
    public func run(_ sql: String, _ parameters: [SQLiteValue] = []) throws -> Int {
        try locked {
            _ = try step(sql, parameters, collect: false)
            return Int(sqlite3_changes(handle))
        }
    }

    /// Runs one query and returns all its rows.
    public func query(_ sql: String, _ parameters: [SQLiteValue] = []) throws -> [SQLiteRow] {
        try locked { try step(sql, parameters, collect: true) }
    }

    /// The rowid of the last successful INSERT on this connection.
    public var lastInsertRowID: Int64 { locked { sqlite3_last_insert_rowid(handle) } }

    /// The schema version kept in `PRAGMA user_version`, for migrations.
    public var userVersion: Int {
        get throws { try query("PRAGMA user_version").first?["user_version"].int ?? 0 }
    }

    public func setUserVersion(_ version: Int) throws {
        try execute("PRAGMA user_version = \(version)")
    }

    /// Runs `body` in one IMMEDIATE transaction: committed if it returns, rolled back if it throws.
    @discardableResult
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try locked {
            try execute("BEGIN IMMEDIATE")
            do {
                let result = try body()
                try execute("COMMIT")
                return result
            } catch {
                try? execute("ROLLBACK")
                throw error
            }
        }
    }

    // MARK: - Statements

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private func fail(_ status: Int32, _ sql: String) -> SQLiteError {
        SQLiteError(path: path, sql: sql, code: status, message: String(cString: sqlite3_errmsg(handle)))
    }

    /// A cached prepared statement for `sql`, reset and with its bindings cleared.
    private func prepared(_ sql: String) throws -> OpaquePointer {
        if let statement = statements[sql] {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
            return statement
        }
        var statement: OpaquePointer?
        let status = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard status == SQLITE_OK, let statement else { throw fail(status, sql) }
        statements[sql] = statement
        return statement
    }

    private func step(_ sql: String, _ parameters: [SQLiteValue], collect: Bool) throws -> [SQLiteRow] {
        let statement = try prepared(sql)
        defer { sqlite3_reset(statement) }
        let expected = Int(sqlite3_bind_parameter_count(statement))
        guard expected == parameters.count else {
            throw SQLiteError(path: path, sql: sql, code: SQLITE_RANGE,
                              message: "statement has \(expected) parameters, \(parameters.count) given")
        }
        for (offset, value) in parameters.enumerated() {
            let status = bind(value, to: statement, at: Int32(offset + 1))
            guard status == SQLITE_OK else { throw fail(status, sql) }
        }
        let columnCount = sqlite3_column_count(statement)
        let columns = (0..<columnCount).map { String(cString: sqlite3_column_name(statement, $0)) }
        var rows: [SQLiteRow] = []
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { break }
            guard status == SQLITE_ROW else { throw fail(status, sql) }
            if collect {
                rows.append(SQLiteRow(columns: columns, values: (0..<columnCount).map { column(statement, $0) }))
            }
        }
        return rows
    }

    private func bind(_ value: SQLiteValue, to statement: OpaquePointer, at index: Int32) -> Int32 {
        // SQLITE_TRANSIENT: SQLite copies the bytes before this call returns.
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        switch value {
        case .null: return sqlite3_bind_null(statement, index)
        case .integer(let v): return sqlite3_bind_int64(statement, index, v)
        case .real(let v): return sqlite3_bind_double(statement, index, v)
        case .text(let v): return sqlite3_bind_text(statement, index, v, -1, transient)
        case .blob(let v):
            return v.withUnsafeBytes { sqlite3_bind_blob64(statement, index, $0.baseAddress, sqlite3_uint64($0.count), transient) }
        }
    }

    private func column(_ statement: OpaquePointer, _ index: Int32) -> SQLiteValue {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, index))
        case SQLITE_TEXT: return .text(String(cString: sqlite3_column_text(statement, index)))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(statement, index))
            guard count > 0, let base = sqlite3_column_blob(statement, index) else { return .blob([]) }
            return .blob([UInt8](UnsafeRawBufferPointer(start: base, count: count)))
        default: return .null
        }
    }
}
