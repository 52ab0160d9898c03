/// The second frame of every message.
public enum Command: String, CaseIterable, Sendable {
    case hello = "HELLO", heartbeat = "HEARTBEAT", fetch = "FETCH", progress = "PROGRESS"
    case result = "RESULT", failed = "FAILED", bye = "BYE"
    case welcome = "WELCOME", assign = "ASSIGN", chunk = "CHUNK", ack = "ACK"
    case cancel = "CANCEL", disconnect = "DISCONNECT"

    /// Which way a message travels.
    public enum Direction: Sendable { case toCoordinator, toWorker }

    /// Whether this command may travel `direction` (HEARTBEAT goes both ways).
    func travels(_ direction: Direction) -> Bool {
        switch self {
        case .heartbeat: return true
        case .hello, .fetch, .progress, .result, .failed, .bye: return direction == .toCoordinator
        case .welcome, .assign, .chunk, .ack, .cancel, .disconnect: return direction == .toWorker
        }
    }

    /// Names of the payload frames that follow the header.
    public var payloadNames: [String] {
        switch self {
        case .result: return ["summary", "stateDict"]
        case .assign: return ["spec"]
        case .chunk: return ["bytes"]
        default: return []
        }
    }
}
