/// CURVE settings for the coordinator's ROUTER: its key pair; clients are checked by a
/// `ZAPHandler` in the same context, and with `ZMQ_ZAP_ENFORCE_DOMAIN` a missing handler refuses
/// everyone rather than admitting everyone.
public struct CurveServerSecurity: Sendable {
    public let keyPair: CurveKeyPair
    /// The ZAP domain the server's handshakes are checked in.
    public static let zapDomain = "spectrofold"

    public init(keyPair: CurveKeyPair) { self.keyPair = keyPair }

    /// Sets the options; call before `bind`.
    public func apply(to socket: ZMQSocket) throws {
        try socket.set(.curveServer(true))
        try socket.set(.curveSecretKey(keyPair.secretKey))
        try socket.set(.zapDomain(Self.zapDomain))
        try socket.set(.zapEnforceDomain(true))
    }
}

/// CURVE settings for a worker's DEALER: its own key pair and the coordinator's public key.
public struct CurveClientSecurity: Sendable {
    public let keyPair: CurveKeyPair
    public let serverPublicKey: String

    public init(keyPair: CurveKeyPair, serverPublicKey: String) {
        self.keyPair = keyPair
        self.serverPublicKey = serverPublicKey
    }

    /// Sets the options; call before `connect`.
    public func apply(to socket: ZMQSocket) throws {
        try socket.set(.curveServerKey(serverPublicKey))
        try socket.set(.curvePublicKey(keyPair.publicKey))
        try socket.set(.curveSecretKey(keyPair.secretKey))
    }
}
