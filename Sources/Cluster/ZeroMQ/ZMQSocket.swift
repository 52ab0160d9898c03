import CZeroMQ
import Foundation

/// One libzmq socket. Not thread-safe: one thread owns it from creation to `close()` (libzmq's
/// rule), which is why the coordinator and the worker each give their socket to one I/O thread.
///
/// ```swift
/// let router = try ZMQSocket(context: context, type: .router)
/// try router.set(.routerMandatory(true))
/// try router.bind("tcp://127.0.0.1:*")
/// if let frames = try router.receive(maxFrames: 8) { ... }   // frames[0] is the peer's routing id
/// ```
public final class ZMQSocket: @unchecked Sendable {
    public enum Kind: Sendable {
        case router, dealer, rep, pair

        var value: Int32 {
            switch self {
            case .router: return ZMQ_ROUTER
            case .dealer: return ZMQ_DEALER
            case .rep: return ZMQ_REP
            case .pair: return ZMQ_PAIR
            }
        }
    }

    /// A multipart message as received: at most `maxFrames` frames are kept; `discardedFrames`
    /// counts the frames past that bound, read and thrown away so one message never costs more
    /// than its kept frames.
    public struct Multipart: Sendable {
        public var frames: [[UInt8]]
        public var discardedFrames: Int
        /// Every frame the peer sent, kept or not.
        public var totalFrames: Int { frames.count + discardedFrames }
    }

    public let kind: Kind
    private let context: ZMQContext
    private var handle: UnsafeMutableRawPointer?

    public init(context: ZMQContext, type kind: Kind) throws {
        guard let handle = zmq_socket(context.handle, kind.value) else { throw ZMQError("zmq_socket") }
        self.kind = kind
        self.context = context
        self.handle = handle
    }

    deinit { close() }

    /// Closes the socket (idempotent); unsent messages wait at most the linger time.
    public func close() {
        if let handle { zmq_close(handle) }
        handle = nil
    }

    private func open(_ operation: @autoclosure () -> String) throws -> UnsafeMutableRawPointer {
        guard let handle else { throw ZMQError(operation(), message: "socket is closed") }
        return handle
    }

    public func set(_ option: ZMQSocketOption) throws {
        let socket = try open("zmq_setsockopt(\(option.name))")
        guard option.apply(to: socket) == 0 else { throw ZMQError("zmq_setsockopt(\(option.name))") }
    }

    public func bind(_ endpoint: String) throws {
        guard zmq_bind(try open("zmq_bind(\(endpoint))"), endpoint) == 0 else { throw ZMQError("zmq_bind(\(endpoint))") }
    }

    public func connect(_ endpoint: String) throws {
        guard zmq_connect(try open("zmq_connect(\(endpoint))"), endpoint) == 0 else { throw ZMQError("zmq_connect(\(endpoint))") }
    }

    public func disconnect(_ endpoint: String) throws {
        guard zmq_disconnect(try open("zmq_disconnect(\(endpoint))"), endpoint) == 0 else {
            throw ZMQError("zmq_disconnect(\(endpoint))")
        }
    }

    /// The endpoint last bound or connected, with a wildcard port resolved (ZMQ_LAST_ENDPOINT).
    public func lastEndpoint() throws -> String {
        let socket = try open("zmq_getsockopt(ZMQ_LAST_ENDPOINT)")
        var buffer = [CChar](repeating: 0, count: 1024)
        var size = buffer.count
        guard zmq_getsockopt(socket, ZMQ_LAST_ENDPOINT, &buffer, &size) == 0 else {
            throw ZMQError("zmq_getsockopt(ZMQ_LAST_ENDPOINT)")
        }
        return String(cString: buffer)
    }

    /// Sends `frames` as one multipart message. With `wait: false` a full queue returns false
    /// instead of blocking; other failures (EHOSTUNREACH under ZMQ_ROUTER_MANDATORY, ETERM) throw.
    @discardableResult
    public func send(_ frames: [[UInt8]], wait: Bool = true) throws -> Bool {
        let socket = try open("zmq_send")
        precondition(!frames.isEmpty, "a ZeroMQ message has at least one frame")
        for (index, frame) in frames.enumerated() {
            var flags: Int32 = index < frames.count - 1 ? ZMQ_SNDMORE : 0
            if !wait { flags |= ZMQ_DONTWAIT }
            while true {
                let status = frame.withUnsafeBytes { zmq_send(socket, $0.baseAddress, $0.count, flags) }
                if status >= 0 { break }
                let code = zmq_errno()
                if code == EINTR { continue }
                // libzmq sends multipart messages atomically: EAGAIN comes on the first frame only.
                if code == EAGAIN && index == 0 && !wait { return false }
                throw ZMQError("zmq_send(frame \(index) of \(frames.count))")
            }
        }
        return true
    }

    /// Receives one multipart message, keeping at most `maxFrames` frames. With `wait: false`
    /// returns nil when nothing is queued.
    public func receive(maxFrames: Int, wait: Bool = true) throws -> Multipart? {
        let socket = try open("zmq_msg_recv")
        var message = Multipart(frames: [], discardedFrames: 0)
        var part = zmq_msg_t()
        zmq_msg_init(&part)
        defer { zmq_msg_close(&part) }
        while true {
            // Once the first frame has arrived the rest are queued too (atomic delivery).
            let flags: Int32 = (wait || !message.frames.isEmpty || message.discardedFrames > 0) ? 0 : ZMQ_DONTWAIT
            if zmq_msg_recv(&part, socket, flags) < 0 {
                let code = zmq_errno()
                if code == EINTR { continue }
                if code == EAGAIN && message.totalFrames == 0 { return nil }
                throw ZMQError("zmq_msg_recv")
            }
            if message.frames.count < maxFrames {
                let size = zmq_msg_size(&part)
                let bytes = size == 0 ? [] : [UInt8](UnsafeRawBufferPointer(start: zmq_msg_data(&part), count: size))
                message.frames.append(bytes)
            } else {
                message.discardedFrames += 1
            }
            if zmq_msg_more(&part) == 0 { return message }
        }
    }

    /// Waits up to `timeoutMilliseconds` (-1 = forever) for a message; true when one is queued.
    public func waitForInput(timeoutMilliseconds: Int) throws -> Bool {
        try ZMQPoller.poll([self], timeoutMilliseconds: timeoutMilliseconds)[0]
    }

    /// The raw handle, for `zmq_poll` and `zmq_socket_monitor`.
    func pollHandle() throws -> UnsafeMutableRawPointer { try open("zmq_poll") }
}

/// `zmq_poll` over sockets and plain file descriptors, for input.
public enum ZMQPoller {
    /// Waits until at least one of `sockets` has a message or `timeoutMilliseconds` pass (-1 =
    /// forever); returns, per socket, whether it has input. An interrupted wait returns all false.
    public static func poll(_ sockets: [ZMQSocket], timeoutMilliseconds: Int) throws -> [Bool] {
        try poll(sockets, fileDescriptors: [], timeoutMilliseconds: timeoutMilliseconds).sockets
    }

    /// As `poll(_:timeoutMilliseconds:)`, also waking when one of `fileDescriptors` is readable
    /// (e.g. a pipe another thread writes to).
    public static func poll(_ sockets: [ZMQSocket], fileDescriptors: [Int32],
                            timeoutMilliseconds: Int) throws -> (sockets: [Bool], fileDescriptors: [Bool]) {
        var items = try sockets.map {
            zmq_pollitem_t(socket: try $0.pollHandle(), fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
        } + fileDescriptors.map { zmq_pollitem_t(socket: nil, fd: $0, events: Int16(ZMQ_POLLIN), revents: 0) }
        let status = zmq_poll(&items, Int32(items.count), timeoutMilliseconds)
        if status < 0 {
            guard zmq_errno() == EINTR else { throw ZMQError("zmq_poll") }
            return (Array(repeating: false, count: sockets.count), Array(repeating: false, count: fileDescriptors.count))
        }
        let ready = items.map { ($0.revents & Int16(ZMQ_POLLIN)) != 0 }
        return (Array(ready[..<sockets.count]), Array(ready[sockets.count...]))
    }
}
