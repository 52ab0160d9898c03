/// A checkpoint that cannot be read: missing, malformed, truncated, hostile or of a kind the
/// reader does not support. `source` is the path read; `fault` says what is wrong and where
/// (the ZIP entry, the pickle byte offset, the tensor's key).
public struct CheckpointError: Error, CustomStringConvertible, Equatable {
    public let source: String
    public let fault: String

    public init(source: String, fault: String) {
        self.source = source
        self.fault = fault
    }

    /// "`source`: `fault`".
    public var description: String { "\(source): \(fault)" }
}
