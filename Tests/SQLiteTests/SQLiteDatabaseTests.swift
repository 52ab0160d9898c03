import XCTest
import SQLite
import TestSupport

final class SQLiteDatabaseTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    func testValuesRoundTripThroughARealFile() throws {
        let path = directory.file("a.sqlite")
        do {
            let db = try SQLiteDatabase(path: path)
            try db.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n TEXT)")
            try db.run("INSERT INTO t VALUES (?, ?, ?, ?, ?)", [.integer(1 << 40), 2.5, "héllo", .blob([0, 255, 7]), nil])
            XCTAssertEqual(db.lastInsertRowID, 1)
        }
        let reopened = try SQLiteDatabase(path: path)
        let row = try XCTUnwrap(reopened.query("SELECT * FROM t").first)
        XCTAssertEqual(row["i"].int, 1 << 40)
        XCTAssertEqual(row["r"].double, 2.5)
        XCTAssertEqual(row["s"].string, "héllo")
        XCTAssertEqual(row["b"].blob, [0, 255, 7])
        XCTAssertEqual(row["n"], .null)
        XCTAssertEqual(try reopened.query("PRAGMA journal_mode").first?["journal_mode"].string, "wal")
        XCTAssertEqual(try row.integer("i"), 1 << 40)
        XCTAssertEqual(try row.real("i"), Double(1 << 40), "an integer reads as a number")
        XCTAssertEqual(try row.text("s"), "héllo")
        XCTAssertEqual(try row.bytes("b"), [0, 255, 7])
        XCTAssertThrowsError(try row.text("n")) { XCTAssertEqual("\($0)", "column 'n' holds null, not text") }
        XCTAssertThrowsError(try row.integer("s")) { XCTAssertEqual("\($0)", "column 's' holds text(\"héllo\"), not an integer") }
        XCTAssertThrowsError(try row.integer("missing")) { XCTAssertEqual("\($0)", "column 'missing' holds null, not an integer") }
    }

    func testTransactionRollsBackWhenBodyThrows() throws {
        let db = try SQLiteDatabase(path: directory.file("t.sqlite"))
        try db.execute("CREATE TABLE t (k TEXT PRIMARY KEY)")
        struct Abort: Error {}
        XCTAssertThrowsError(try db.transaction {
            try db.run("INSERT INTO t VALUES ('a')")
            throw Abort()
        })
        XCTAssertEqual(try db.query("SELECT count(*) AS n FROM t").first?["n"].int, 0)
        try db.transaction { try db.run("INSERT INTO t VALUES ('b')") }
        XCTAssertEqual(try db.query("SELECT k FROM t").map { $0["k"].string }, ["b"])
    }

    func testErrorsNameFileStatementAndReason() throws {
        let path = directory.file("e.sqlite")
        let db = try SQLiteDatabase(path: path)
        try db.execute("CREATE TABLE t (k TEXT PRIMARY KEY)")
        try db.run("INSERT INTO t VALUES ('a')")
        XCTAssertThrowsError(try db.run("INSERT INTO t VALUES ('a')")) {
            let text = String(describing: $0)
            XCTAssertTrue(text.hasPrefix(path), text)
            XCTAssertTrue(text.contains("UNIQUE constraint failed: t.k"), text)
            XCTAssertTrue(text.contains("INSERT INTO t VALUES ('a')"), text)
        }
        XCTAssertThrowsError(try db.run("INSERT INTO t VALUES (?)", [])) {
            XCTAssertTrue(String(describing: $0).contains("statement has 1 parameters, 0 given"), "\($0)")
        }
        XCTAssertThrowsError(try SQLiteDatabase(path: directory.file("missing-dir/x.sqlite"))) {
            XCTAssertTrue(String(describing: $0).contains("missing-dir/x.sqlite"), "\($0)")
        }
    }

    func testUserVersionAndConcurrentWriters() throws {
        let db = try SQLiteDatabase(path: directory.file("c.sqlite"))
        XCTAssertEqual(try db.userVersion, 0)
        try db.setUserVersion(3)
        XCTAssertEqual(try db.userVersion, 3)
        try db.execute("CREATE TABLE t (v INTEGER)")
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for i in 0..<50 { try! db.run("INSERT INTO t VALUES (?)", [.init(worker * 100 + i)]) }
        }
        XCTAssertEqual(try db.query("SELECT count(DISTINCT v) AS n FROM t").first?["n"].int, 200)
    }
}
