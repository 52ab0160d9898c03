import Cluster
import Foundation
import XCTest

/// Real libzmq sockets over tcp://127.0.0.1. Waits are bounded (a failure deadline, not a
/// timing assertion); the monitor's events are the synchronisation points.
final class ZMQSocketTests: XCTestCase {
    static let deadline = 10_000

    func testRouterAndDealerExchangeBinaryMultipartMessages() throws {
        let context = try ZMQContext()
        let router = try ZMQSocket(context: context, type: .router)
        try router.set(.linger(milliseconds: 0))
        try router.set(.routerMandatory(true))
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint()
        XCTAssertTrue(endpoint.hasPrefix("tcp://127.0.0.1:"), endpoint)

        let dealer = try ZMQSocket(context: context, type: .dealer)
        try dealer.set(.linger(milliseconds: 0))
        try dealer.set(.routingID(Array("worker-1".utf8)))
        try dealer.connect(endpoint)
        let big = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        try dealer.send([[0, 255], [], big])

        XCTAssertTrue(try router.waitForInput(timeoutMilliseconds: Self.deadline))
        let received = try XCTUnwrap(router.receive(maxFrames: 8, wait: false))
        XCTAssertEqual(received.frames, [Array("worker-1".utf8), [0, 255], [], big])
        XCTAssertEqual(received.discardedFrames, 0)
        XCTAssertNil(try router.receive(maxFrames: 8, wait: false))

        try router.send([Array("worker-1".utf8), Array("reply".utf8)])
        XCTAssertTrue(try dealer.waitForInput(timeoutMilliseconds: Self.deadline))
        XCTAssertEqual(try dealer.receive(maxFrames: 8)?.frames, [Array("reply".utf8)])
        XCTAssertEqual(try ZMQPoller.poll([router, dealer], timeoutMilliseconds: 0), [false, false])
    }

    func testFramesPastTheBoundAreCountedAndDiscarded() throws {
        let context = try ZMQContext()
        let (router, dealer) = try connectedPair(context)
        try dealer.send((0..<10).map { [UInt8($0)] })
        XCTAssertTrue(try router.waitForInput(timeoutMilliseconds: Self.deadline))
        let received = try XCTUnwrap(router.receive(maxFrames: 3))
        XCTAssertEqual(received.frames.count, 3)
        XCTAssertEqual(Array(received.frames[1...]), [[0], [1]])
        XCTAssertEqual(received.discardedFrames, 8)
        XCTAssertEqual(received.totalFrames, 11)
    }

    func testRouterMandatoryReportsAnUnknownPeerWithZmqStrerror() throws {
        let context = try ZMQContext()
        let router = try ZMQSocket(context: context, type: .router)
        try router.set(.routerMandatory(true))
        XCTAssertThrowsError(try router.send([Array("nobody".utf8), [1]])) { error in
            let zmqError = error as? ZMQError
            XCTAssertEqual(zmqError?.code, EHOSTUNREACH)
            XCTAssertEqual(zmqError?.description, "zmq_send(frame 0 of 2): Host unreachable")
        }
        XCTAssertThrowsError(try router.bind("tcp://127.0.0.1:not-a-port")) {
            XCTAssertTrue(String(describing: $0).hasPrefix("zmq_bind(tcp://127.0.0.1:not-a-port): "), "\($0)")
        }
        router.close()
        XCTAssertThrowsError(try router.send([[1]])) {
            XCTAssertEqual(String(describing: $0), "zmq_send: socket is closed")
        }
    }

    /// ZMQ_MAXMSGSIZE: a peer sending a larger frame is disconnected and its message never
    /// delivered; the socket goes on serving others.
    func testOversizedFrameDropsThePeerNotTheSocket() throws {
        let context = try ZMQContext()
        let router = try ZMQSocket(context: context, type: .router)
        try router.set(.linger(milliseconds: 0))
        try router.set(.maxMessageSize(bytes: 1000))
        let monitor = try ZMQMonitor(router, context: context)
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint()

        let flooder = try ZMQSocket(context: context, type: .dealer)
        try flooder.set(.linger(milliseconds: 0))
        try flooder.connect(endpoint)
        try flooder.send([[UInt8](repeating: 1, count: 5000)])
        XCTAssertNotNil(try monitor.wait(timeoutMilliseconds: Self.deadline) { $0.event == ZMQMonitor.Event.disconnected })
        XCTAssertNil(try router.receive(maxFrames: 8, wait: false))

        let polite = try ZMQSocket(context: context, type: .dealer)
        try polite.set(.linger(milliseconds: 0))
        try polite.connect(endpoint)
        try polite.send([[UInt8](repeating: 2, count: 1000)])
        XCTAssertTrue(try router.waitForInput(timeoutMilliseconds: Self.deadline))
        XCTAssertEqual(try router.receive(maxFrames: 8)?.frames.last, [UInt8](repeating: 2, count: 1000))
        monitor.close()
    }

    private func connectedPair(_ context: ZMQContext) throws -> (router: ZMQSocket, dealer: ZMQSocket) {
        let router = try ZMQSocket(context: context, type: .router)
        try router.set(.linger(milliseconds: 0))
        try router.bind("tcp://127.0.0.1:*")
        let dealer = try ZMQSocket(context: context, type: .dealer)
        try dealer.set(.linger(milliseconds: 0))
        try dealer.connect(try router.lastEndpoint())
        return (router, dealer)
    }
}
