/// Bad input to the data pipeline. `location` names the file (and line, `file:line`) at fault,
/// `column` the manifest column when one is involved.
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    public let location: String
    public let column: String?
    public let message: String

    public init(_ location: String, column: String? = nil, _ message: String) {
        self.location = location
        self.column = column
        self.message = message
    }

    public var description: String {
        "\(location): " + (column.map { "column '\($0)': " } ?? "") + message
    }
}
