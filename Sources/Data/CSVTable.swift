import Foundation

/// A CSV file (RFC 4180: comma-separated, fields optionally in double quotes, "" for a quote,
/// quoted fields may span lines), with a header row naming the columns.
public struct CSVTable: Sendable {
    /// The file, as given (named in errors).
    public let source: String
    public let header: [String]
    public let rows: [[String]]
    /// The 1-based line on which each row starts.
    public let lines: [Int]

    /// Reads and parses `path`; every row must have as many fields as the header.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError(path, "cannot read the file (missing or unreadable)")
        }
        try self.init(text: String(decoding: data, as: UTF8.self), source: path)
    }

    /// Parses `text`; `source` names it in errors.
    public init(text: String, source: String) throws {
        self.source = source
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false, fieldWasQuoted = false
        var line = 1, recordLine = 1
        var chars = Array(text.unicodeScalars)
        if chars.first == "\u{FEFF}" { chars.removeFirst() }
        var i = 0
        func endRecord() {
            fields.append(field)
            // A blank line is no record.
            if !(fields.count == 1 && fields[0].isEmpty && !fieldWasQuoted) { records.append((recordLine, fields)) }
            fields = []
            field = ""
            fieldWasQuoted = false
        }
        while i < chars.count {
            let c = chars[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" { field.unicodeScalars.append("\""); i += 1 } else { inQuotes = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
            } else if c == "\"" && field.isEmpty {
                inQuotes = true
                fieldWasQuoted = true
            } else if c == "," {
                fields.append(field)
                field = ""
                fieldWasQuoted = false
            } else if c == "\n" || c == "\r" {
                if c == "\r" && i + 1 < chars.count && chars[i + 1] == "\n" { i += 1 }
                endRecord()
                line += 1
                recordLine = line
            } else {
                field.unicodeScalars.append(c)
            }
            i += 1
        }
        if inQuotes { throw DataError("\(source):\(recordLine)", "unterminated quoted field") }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted { endRecord() }
        guard let first = records.first else { throw DataError(source, "is empty (expected a header row)") }
        header = first.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        var body: [[String]] = [], bodyLines: [Int] = []
        for record in records.dropFirst() {
            guard record.fields.count == header.count else {
                throw DataError("\(source):\(record.line)", "has \(record.fields.count) fields, the header has \(header.count)")
            }
            body.append(record.fields)
            bodyLines.append(record.line)
        }
        rows = body
        lines = bodyLines
    }

    /// The index of column `name`, or an error naming the file, the column and the columns it has.
    public func columnIndex(_ name: String) throws -> Int {
        guard let index = header.firstIndex(of: name) else {
            throw DataError(source, column: name, "no such column (the header has: \(header.joined(separator: ", ")))")
        }
        return index
    }
}
