import CZeroMQ

/// The socket options SpectroFold sets (names as in `zmq_setsockopt(3)`).
public enum ZMQSocketOption: Sendable {
    /// ZMQ_LINGER: how long `close` waits for unsent messages (0 = drop them).
    case linger(milliseconds: Int32)
    /// ZMQ_ROUTER_MANDATORY: a send to an unknown routing id fails with EHOSTUNREACH instead of
    /// vanishing.
    case routerMandatory(Bool)
    /// ZMQ_ROUTER_HANDOVER: a peer reconnecting with a known routing id takes over the old pipe.
    case routerHandover(Bool)
    /// ZMQ_MAXMSGSIZE: inbound frames larger than this disconnect the peer (bytes; -1 = no limit).
    case maxMessageSize(bytes: Int64)
    /// ZMQ_RECONNECT_IVL and ZMQ_RECONNECT_IVL_MAX: first reconnect delay, doubled up to the max.
    case reconnectInterval(milliseconds: Int32)
    case reconnectIntervalMax(milliseconds: Int32)
    /// ZMQ_ROUTING_ID: the identity a DEALER presents to a ROUTER (1...255 bytes, not starting with 0).
    case routingID([UInt8])
    /// ZMQ_SNDHWM and ZMQ_RCVHWM: queue bounds in messages.
    case sendHighWaterMark(Int32)
    case receiveHighWaterMark(Int32)
    /// ZMQ_CURVE_SERVER: this socket is a CURVE server (needs `curveSecretKey`).
    case curveServer(Bool)
    /// ZMQ_CURVE_PUBLICKEY, ZMQ_CURVE_SECRETKEY, ZMQ_CURVE_SERVERKEY: Z85 keys (40 characters).
    case curvePublicKey(String)
    case curveSecretKey(String)
    case curveServerKey(String)
    /// ZMQ_ZAP_DOMAIN: the domain passed to the ZAP handler.
    case zapDomain(String)
    /// ZMQ_ZAP_ENFORCE_DOMAIN (93, missing from Debian's zmq.h but implemented by libzmq 4.3):
    /// refuse every handshake when no ZAP handler answers, instead of admitting everyone.
    case zapEnforceDomain(Bool)

    var name: String {
        switch self {
        case .linger: return "ZMQ_LINGER"
        case .routerMandatory: return "ZMQ_ROUTER_MANDATORY"
        case .routerHandover: return "ZMQ_ROUTER_HANDOVER"
        case .maxMessageSize: return "ZMQ_MAXMSGSIZE"
        case .reconnectInterval: return "ZMQ_RECONNECT_IVL"
        case .reconnectIntervalMax: return "ZMQ_RECONNECT_IVL_MAX"
        case .routingID: return "ZMQ_ROUTING_ID"
        case .sendHighWaterMark: return "ZMQ_SNDHWM"
        case .receiveHighWaterMark: return "ZMQ_RCVHWM"
        case .curveServer: return "ZMQ_CURVE_SERVER"
        case .curvePublicKey: return "ZMQ_CURVE_PUBLICKEY"
        case .curveSecretKey: return "ZMQ_CURVE_SECRETKEY"
        case .curveServerKey: return "ZMQ_CURVE_SERVERKEY"
        case .zapDomain: return "ZMQ_ZAP_DOMAIN"
        case .zapEnforceDomain: return "ZMQ_ZAP_ENFORCE_DOMAIN"
        }
    }

    /// Calls `zmq_setsockopt` on `socket`; returns its status.
    func apply(to socket: UnsafeMutableRawPointer) -> Int32 {
        func int32(_ option: Int32, _ value: Int32) -> Int32 {
            var value = value
            return zmq_setsockopt(socket, option, &value, MemoryLayout<Int32>.size)
        }
        func bytes(_ option: Int32, _ value: [UInt8]) -> Int32 {
            value.withUnsafeBytes { zmq_setsockopt(socket, option, $0.baseAddress, $0.count) }
        }
        switch self {
        case .linger(let ms): return int32(ZMQ_LINGER, ms)
        case .routerMandatory(let on): return int32(ZMQ_ROUTER_MANDATORY, on ? 1 : 0)
        case .routerHandover(let on): return int32(ZMQ_ROUTER_HANDOVER, on ? 1 : 0)
        case .maxMessageSize(let limit):
            var value = limit
            return zmq_setsockopt(socket, ZMQ_MAXMSGSIZE, &value, MemoryLayout<Int64>.size)
        case .reconnectInterval(let ms): return int32(ZMQ_RECONNECT_IVL, ms)
        case .reconnectIntervalMax(let ms): return int32(ZMQ_RECONNECT_IVL_MAX, ms)
        case .routingID(let id): return bytes(ZMQ_ROUTING_ID, id)
        case .sendHighWaterMark(let count): return int32(ZMQ_SNDHWM, count)
        case .receiveHighWaterMark(let count): return int32(ZMQ_RCVHWM, count)
        case .curveServer(let on): return int32(ZMQ_CURVE_SERVER, on ? 1 : 0)
        case .curvePublicKey(let key): return bytes(ZMQ_CURVE_PUBLICKEY, Array(key.utf8))
        case .curveSecretKey(let key): return bytes(ZMQ_CURVE_SECRETKEY, Array(key.utf8))
        case .curveServerKey(let key): return bytes(ZMQ_CURVE_SERVERKEY, Array(key.utf8))
        case .zapDomain(let domain): return bytes(ZMQ_ZAP_DOMAIN, Array(domain.utf8))
        case .zapEnforceDomain(let on): return int32(93, on ? 1 : 0)
        }
    }
}
