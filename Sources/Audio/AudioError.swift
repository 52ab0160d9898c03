/// An audio file that cannot be used: missing, empty, corrupt or in an unsupported format.
/// `file` names the file at fault; `reason` says what is wrong with it.
public struct AudioError: Error, CustomStringConvertible, Equatable, Sendable {
    public let file: String
    public let reason: String

    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }
}
