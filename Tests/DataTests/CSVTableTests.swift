import Data
import XCTest

final class CSVTableTests: XCTestCase {
    func testQuotedFieldsCommasQuotesAndLineBreaks() throws {
        let text = "\u{FEFF}path,label,note\r\na.wav,dog,\"barks, loudly\"\r\n\nb.wav,\"cat\",\"says \"\"meow\"\"\nat night\"\nc.wav,bird,\n"
        let table = try CSVTable(text: text, source: "t.csv")
        XCTAssertEqual(table.header, ["path", "label", "note"])
        XCTAssertEqual(table.rows, [["a.wav", "dog", "barks, loudly"], ["b.wav", "cat", "says \"meow\"\nat night"], ["c.wav", "bird", ""]])
        XCTAssertEqual(table.lines, [2, 4, 6])
    }

    func testRaggedRowNamesFileAndLine() {
        XCTAssertThrowsError(try CSVTable(text: "path,label\na.wav,dog\nb.wav\n", source: "m.csv")) { error in
            XCTAssertEqual("\(error)", "m.csv:3: has 1 fields, the header has 2")
        }
    }

    func testMissingColumnNamesFileColumnAndHeader() throws {
        let table = try CSVTable(text: "path,label\n", source: "m.csv")
        XCTAssertThrowsError(try table.columnIndex("speaker")) { error in
            XCTAssertEqual("\(error)", "m.csv: column 'speaker': no such column (the header has: path, label)")
        }
    }
}
