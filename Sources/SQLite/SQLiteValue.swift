/// A value bound to a statement parameter or read from a result column.
public enum SQLiteValue: Equatable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public init(_ value: Int) { self = .integer(Int64(value)) }
    public init(_ value: Double) { self = .real(value) }
    public init(_ value: String?) { self = value.map { .text($0) } ?? .null }

    /// The integer, or nil for NULL and other types.
    public var int: Int? { if case .integer(let v) = self { return Int(v) } else { return nil } }
    /// The number as Double (integers widen), or nil.
    public var double: Double? {
        switch self {
        case .real(let v): return v
        case .integer(let v): return Double(v)
        default: return nil
        }
    }
    /// The text, or nil for NULL and other types.
    public var string: String? { if case .text(let v) = self { return v } else { return nil } }
    /// The bytes, or nil for NULL and other types.
    public var blob: [UInt8]? { if case .blob(let v) = self { return v } else { return nil } }
}

extension SQLiteValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByNilLiteral {
    public init(integerLiteral value: Int) { self = .integer(Int64(value)) }
    public init(floatLiteral value: Double) { self = .real(value) }
    public init(stringLiteral value: String) { self = .text(value) }
    public init(nilLiteral: ()) { self = .null }
}

/// One result row: values by column name, in the statement's column order.
public struct SQLiteRow: Sendable {
    public let columns: [String]
    public let values: [SQLiteValue]

    /// The value of `column`; `.null` when the row has no such column.
    public subscript(column: String) -> SQLiteValue {
        guard let index = columns.firstIndex(of: column) else { return .null }
        return values[index]
    }

    /// The text in `column`; a NULL, a missing column or another type is an error naming it.
    public func text(_ column: String) throws -> String { try required(column, "text", self[column].string) }
    /// The integer in `column`; a NULL, a missing column or another type is an error naming it.
    public func integer(_ column: String) throws -> Int { try required(column, "an integer", self[column].int) }
    /// The number in `column` (integers widen); a NULL, a missing column or text is an error naming it.
    public func real(_ column: String) throws -> Double { try required(column, "a number", self[column].double) }
    /// The bytes in `column`; a NULL, a missing column or another type is an error naming it.
    public func bytes(_ column: String) throws -> [UInt8] { try required(column, "a blob", self[column].blob) }
    /// The text in `column` read as one of `type`'s raw values; any other value is an error naming it.
    public func value<T: RawRepresentable>(_ column: String, as type: T.Type) throws -> T where T.RawValue == String {
        let raw = try text(column)
        guard let value = T(rawValue: raw) else { throw SQLiteRowError(column: column, expected: "a \(T.self)", found: .text(raw)) }
        return value
    }

    private func required<T>(_ column: String, _ expected: String, _ value: T?) throws -> T {
        guard let value else { throw SQLiteRowError(column: column, expected: expected, found: self[column]) }
        return value
    }
}

/// A result row whose column does not hold what the reader needs (a damaged or foreign database).
public struct SQLiteRowError: Error, CustomStringConvertible {
    public let column: String
    public let expected: String
    public let found: SQLiteValue

    public var description: String { "column '\(column)' holds \(found), not \(expected)" }
}

/// A failed SQLite call: the database file, the statement (if any) and SQLite's own message.
public struct SQLiteError: Error, CustomStringConvertible {
    public let path: String
    public let sql: String?
    public let code: Int32
    public let message: String

    public var description: String {
        "\(path): SQLite error \(code): \(message)" + (sql.map { " (in: \($0))" } ?? "")
    }
}
