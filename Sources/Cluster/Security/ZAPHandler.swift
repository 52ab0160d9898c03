import Foundation

/// The ZAP handler (ZeroMQ RFC 27) of one context: on its own thread it answers every CURVE
/// handshake of that context's servers, admitting only public keys on the allow list and logging
/// each refusal. Create it before binding a CURVE server socket; `stop()` it before the context
/// goes away.
///
/// A ZAP request is `["1.0", requestID, domain, address, routingID, mechanism, credentials...]`
/// (for CURVE one credential: the client's 32-byte public key); the reply is
/// `["1.0", requestID, status ("200" or "400"), text, userID, metadata]`. The user id given to an
/// admitted client is its Z85 public key.
public final class ZAPHandler: @unchecked Sendable {
    /// The endpoint libzmq sends ZAP requests to.
    public static let endpoint = "inproc://zeromq.zap.01"

    private let socket: ZMQSocket
    private let allowList: CurveAllowList
    private let log: @Sendable (String) -> Void
    private var thread: LoopThread?

    /// Binds the ZAP endpoint in `context` and starts the handler thread. `log` receives one
    /// line per refusal (and per malformed request), from that thread.
    public init(context: ZMQContext, allowList: CurveAllowList, log: @escaping @Sendable (String) -> Void) throws {
        socket = try ZMQSocket(context: context, type: .rep)
        try socket.set(.linger(milliseconds: 0))
        try socket.bind(Self.endpoint)
        self.allowList = allowList
        self.log = log
        thread = LoopThread(name: "spectrofold-zap") { [self] in run($0) }
    }

    /// Stops the thread and closes the socket; waits until both are done.
    public func stop() {
        thread?.stop()
        thread = nil
    }

    private func run(_ thread: LoopThread) {
        defer { socket.close() }
        while !thread.shouldStop {
            do {
                guard try socket.waitForInput(timeoutMilliseconds: 100),
                      let request = try socket.receive(maxFrames: 8, wait: false) else { continue }
                try socket.send(reply(to: request.frames))
            } catch {
                log("ZAP handler stopped: \(error)")
                return
            }
        }
    }

    /// The reply frames for one request (always six frames, so the REP socket stays in step).
    func reply(to frames: [[UInt8]]) -> [[UInt8]] {
        let requestID = frames.count > 1 ? frames[1] : []
        func answer(_ status: String, _ text: String, user: String = "") -> [[UInt8]] {
            [Array("1.0".utf8), requestID, Array(status.utf8), Array(text.utf8), Array(user.utf8), []]
        }
        guard frames.count == 7, frames[0] == Array("1.0".utf8) else {
            log("ZAP: malformed request with \(frames.count) frames refused")
            return answer("400", "malformed ZAP request")
        }
        let address = String(decoding: frames[3], as: UTF8.self)
        let mechanism = String(decoding: frames[5], as: UTF8.self)
        guard mechanism == "CURVE", let key = Z85Key.encode(frames[6]) else {
            log("ZAP: refused \(mechanism) client from \(address): only CURVE is accepted")
            return answer("400", "CURVE required")
        }
        guard allowList.admits(key) else {
            log("ZAP: refused CURVE client \(key) from \(address): key not in the allow list")
            return answer("400", "key not allowed")
        }
        return answer("200", "OK", user: key)
    }
}
