import CZeroMQ

/// A failed libzmq call: which call, on what, and libzmq's own words (`zmq_strerror`).
public struct ZMQError: Error, CustomStringConvertible, Equatable {
    /// The call that failed with its argument, e.g. `zmq_bind(tcp://127.0.0.1:5570)`.
    public let operation: String
    /// `zmq_errno()` at the time of the failure (a POSIX errno or a libzmq code such as ETERM).
    public let code: Int32
    public let message: String

    /// Captures `zmq_errno()` right after a failed call named `operation`.
    init(_ operation: String) {
        let code = zmq_errno()
        self.operation = operation
        self.code = code
        self.message = String(cString: zmq_strerror(code))
    }

    init(_ operation: String, message: String) {
        self.operation = operation
        self.code = 0
        self.message = message
    }

    public var description: String { "\(operation): \(message)" }
}
