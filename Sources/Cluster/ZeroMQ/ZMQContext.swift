import CZeroMQ

/// A libzmq context: owns the I/O threads; every socket keeps its context alive. Terminated by
/// `terminate()` or when the last reference goes.
public final class ZMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    public init() throws {
        guard let handle = zmq_ctx_new() else { throw ZMQError("zmq_ctx_new") }
        self.handle = handle
    }

    private var terminated = false

    deinit { terminate() }

    /// Waits until every socket of this context is closed (after its linger), then frees the
    /// context: its TCP ports and connections are released when this returns. Idempotent; call
    /// it from the thread that owns the context, after closing its sockets.
    public func terminate() {
        guard !terminated else { return }
        terminated = true
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }

    /// libzmq's version as "major.minor.patch".
    public static var libraryVersion: String {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }
}
