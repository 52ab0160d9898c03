import Foundation

/// How a coordinator runs. The executable fills this from its flags; the defaults follow
/// DESIGN.md (heartbeats every second, dead after three silent intervals).
public struct CoordinatorConfiguration: Sendable {
    /// Where the ROUTER binds, e.g. "tcp://127.0.0.1:5570" (port `*` picks a free one).
    public var endpoint: String
    /// Heartbeat period both ways, in seconds.
    public var heartbeatInterval: TimeInterval = 1
    /// A worker silent for this many intervals is dead; its jobs are requeued.
    public var livenessIntervals = 3
    /// How long a lease lasts without a renewing heartbeat, in seconds (at least the silence
    /// limit, so a live worker's lease never lapses first).
    public var leaseSeconds: TimeInterval = 10
    /// Seconds an attempt may go without finishing an epoch (the dataset download included)
    /// before it is ended as stalled and its job requeued.
    public var progressTimeout: TimeInterval = 1800
    /// Attempts a job gets before it fails for good (each lost worker, expired lease or failure uses one).
    public var maxAttempts = 3
    /// How often each worker gets a status line in the heartbeat log, in seconds.
    public var statusInterval: TimeInterval = 10
    /// Dataset chunk size in bytes.
    public var chunkBytes = 1 << 20
    /// The largest accepted payload frame; larger frames disconnect the sender (ZMQ_MAXMSGSIZE).
    public var maxPayloadBytes = ProtocolCodec.defaultMaxPayloadBytes
    /// CURVE server keys and the workers allowed in; nil for a plain (unencrypted) socket.
    public var security: (keys: CurveServerSecurity, allowList: CurveAllowList)?

    public init(endpoint: String) { self.endpoint = endpoint }
}

/// What the coordinator recorded, reported after the ledger committed it (on the coordinator's
/// thread; keep handlers short). Tracking turns these into MLflow runs and metrics.
public enum CoordinatorEvent: Equatable, Sendable {
    case liveness(LivenessChange)
    case jobLeased(LeasedJob, worker: String)
    case progress(JobProgress, worker: String)
    case resultAccepted(JobAttempt, worker: String)
    /// A RESULT that came after its job was done or failed (or for an attempt the worker never
    /// held): acknowledged, so the worker stops resending it, and dropped.
    case resultDropped(JobAttempt, worker: String, reason: String)
    case attemptEnded(EndedAttempt)
    case sweepFinished(SweepStatus)
    /// A message that was dropped, with the sender's routing id (printable) and the reason.
    case messageDropped(peer: String, reason: String)
}
