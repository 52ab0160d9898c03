/// The second frame of every message.
public enum Command: String, CaseIterable, Sendable {
    // Workers and the coordinator.
    case hello = "HELLO", heartbeat = "HEARTBEAT", fetch = "FETCH", progress = "PROGRESS"
    case result = "RESULT", failed = "FAILED", bye = "BYE"
    case welcome = "WELCOME", assign = "ASSIGN", chunk = "CHUNK", ack = "ACK"
    case cancel = "CANCEL", disconnect = "DISCONNECT"
    // Clients (`spectrofold submit`, `spectrofold status`) and the coordinator.
    case submit = "SUBMIT", upload = "UPLOAD", status = "STATUS", refit = "REFIT"
    case submitted = "SUBMITTED", uploaded = "UPLOADED", report = "REPORT", refused = "REFUSED"

    /// Which way a message travels.
    public enum Direction: Sendable { case toCoordinator, toWorker, fromClient, toClient }

    /// Whether this command may travel `direction` (HEARTBEAT goes both ways).
    func travels(_ direction: Direction) -> Bool {
        switch self {
        case .heartbeat: return direction == .toCoordinator || direction == .toWorker
        case .hello, .fetch, .progress, .result, .failed, .bye: return direction == .toCoordinator
        case .welcome, .assign, .chunk, .ack, .cancel, .disconnect: return direction == .toWorker
        case .submit, .upload, .status, .refit: return direction == .fromClient
        case .submitted, .uploaded, .report, .refused: return direction == .toClient
        }
    }

    /// Commands a client sends: the coordinator answers them without a HELLO.
    static let clientRequests: Set<[UInt8]> = [Array(Command.submit.rawValue.utf8), Array(Command.upload.rawValue.utf8),
                                               Array(Command.status.rawValue.utf8), Array(Command.refit.rawValue.utf8)]

    /// Names of the payload frames that follow the header.
    public var payloadNames: [String] {
        switch self {
        case .result: return ["summary", "stateDict"]
        case .assign: return ["spec"]
        case .chunk, .upload: return ["bytes"]
        case .submit: return ["plan"]
        case .report: return ["report"]
        default: return []
        }
    }
}
