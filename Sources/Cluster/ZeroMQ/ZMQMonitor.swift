import CZeroMQ
import Foundation

/// Connection events of one socket (`zmq_socket_monitor`), read from a PAIR socket: handshakes
/// that failed (refused CURVE keys, wrong mechanisms) and peers that were dropped (oversized
/// frames). Read it on the thread that created it.
public final class ZMQMonitor: @unchecked Sendable {
    /// One event: libzmq's event number, its value (errno, ZAP status code, fd) and the endpoint.
    public struct Event: Equatable, Sendable {
        public let event: UInt16
        public let value: UInt32
        public let endpoint: String

        public static let accepted = UInt16(ZMQ_EVENT_ACCEPTED)
        public static let disconnected = UInt16(ZMQ_EVENT_DISCONNECTED)
        public static let handshakeFailedNoDetail = UInt16(ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
        public static let handshakeSucceeded = UInt16(ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
        public static let handshakeFailedProtocol = UInt16(ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
        public static let handshakeFailedAuth = UInt16(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)

        /// Any of the three handshake-failure events.
        public var isHandshakeFailure: Bool {
            [Self.handshakeFailedNoDetail, Self.handshakeFailedProtocol, Self.handshakeFailedAuth].contains(event)
        }
    }

    private let socket: ZMQSocket

    /// Starts monitoring every event of `monitored` (which must live in `context`).
    public init(_ monitored: ZMQSocket, context: ZMQContext) throws {
        let endpoint = "inproc://spectrofold-monitor-\(UUID().uuidString)"
        guard zmq_socket_monitor(try monitored.pollHandle(), endpoint, ZMQ_EVENT_ALL) == 0 else {
            throw ZMQError("zmq_socket_monitor(\(endpoint))")
        }
        socket = try ZMQSocket(context: context, type: .pair)
        try socket.set(.linger(milliseconds: 0))
        try socket.connect(endpoint)
    }

    /// The next event, waiting up to `timeoutMilliseconds`; nil when none came.
    public func next(timeoutMilliseconds: Int) throws -> Event? {
        guard try socket.waitForInput(timeoutMilliseconds: timeoutMilliseconds),
              let message = try socket.receive(maxFrames: 2, wait: false),
              message.frames.count == 2, message.frames[0].count == 6 else { return nil }
        let head = message.frames[0]
        let event = UInt16(head[0]) | UInt16(head[1]) << 8
        let value = UInt32(head[2]) | UInt32(head[3]) << 8 | UInt32(head[4]) << 16 | UInt32(head[5]) << 24
        return Event(event: event, value: value, endpoint: String(decoding: message.frames[1], as: UTF8.self))
    }

    /// Waits (up to `timeoutMilliseconds` in all) for an event matching `predicate`; returns it,
    /// or nil when none came in time. Events before it are skipped.
    public func wait(timeoutMilliseconds: Int, for predicate: (Event) -> Bool) throws -> Event? {
        let deadline = Date().addingTimeInterval(Double(timeoutMilliseconds) / 1000)
        while true {
            let left = Int(deadline.timeIntervalSinceNow * 1000)
            guard left > 0 else { return nil }
            if let event = try next(timeoutMilliseconds: left), predicate(event) { return event }
        }
    }

    public func close() { socket.close() }
}
