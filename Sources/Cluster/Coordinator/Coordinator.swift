import Foundation

/// The coordinator: one thread owns a ROUTER socket and runs the sweep from the ledger. It
/// admits workers (HELLO → WELCOME), leases queued jobs to idle workers (ASSIGN), serves
/// dataset chunks (FETCH → CHUNK), renews leases on heartbeats, records progress, accepts the
/// first result of each job (RESULT → ACK), and on every heartbeat tick declares silent workers
/// dead and expired leases over, requeueing their jobs. Clients submit sweeps (uploading the
/// dataset when it is missing) and ask for status. Malformed messages are logged and dropped.
/// Its `SweepBook` reads sweep plans, files each sweep's results and records it in MLflow.
///
/// ```swift
/// let coordinator = try Coordinator(configuration: .init(endpoint: "tcp://127.0.0.1:5570"), ledger: ledger,
///                                   datasets: DatasetDirectory(path: "state/datasets"), heartbeatLog: log,
///                                   book: recorder, log: { print($0) })
/// try coordinator.start()
/// ...
/// coordinator.stop()
/// ```
public final class Coordinator: @unchecked Sendable {
    public let configuration: CoordinatorConfiguration
    let ledger: Ledger
    let datasets: DatasetDirectory
    let heartbeatLog: HeartbeatLog?
    let book: SweepBook?
    let log: @Sendable (String) -> Void
    let events: @Sendable (CoordinatorEvent) -> Void

    /// Uploads in progress by digest, each verified before it joins `datasets` (loop thread only).
    var uploads: [String: (partial: DatasetCache, started: Date)] = [:]
    /// Uploads kept in progress at once; one more replaces the oldest.
    static let maxUploads = 4
    private let context: ZMQContext
    private var zap: ZAPHandler?
    let socket: ZMQSocket
    /// The bound endpoint with its port resolved; set by `start()`.
    public private(set) var endpoint = ""

    // Loop state, touched only by the loop thread.
    var liveness: LivenessTracker
    /// Workers that reported themselves idle and were given nothing since.
    var idle: Set<String> = []
    /// The attempt each worker was last known to work on (from ASSIGN or its heartbeat).
    var busyWith: [String: JobAttempt] = [:]
    /// Last reported training rate per worker, samples per second.
    var rates: [String: Double] = [:]
    /// The BLAS kernel each worker announced in its HELLO.
    var blasKernels: [String: String] = [:]
    /// Peers a send failed to reach (loop thread only): the failure is logged once, not at every
    /// heartbeat until the peer is declared dead, and again only after a send has reached it.
    var unreachable: Set<[UInt8]> = []
    private var nextStatus = Date.distantPast

    private var thread: LoopThread?

    /// Without a `book` the coordinator refuses SUBMIT and REFIT (its tests create sweeps in the
    /// ledger). `events` hears everything recorded, after `book` (on the loop thread; keep it short).
    public init(configuration: CoordinatorConfiguration, ledger: Ledger, datasets: DatasetDirectory, heartbeatLog: HeartbeatLog?,
                book: SweepBook? = nil, log: @escaping @Sendable (String) -> Void,
                events: @escaping @Sendable (CoordinatorEvent) -> Void = { _ in }) throws {
        self.configuration = configuration
        self.ledger = ledger
        self.datasets = datasets
        self.heartbeatLog = heartbeatLog
        self.book = book
        self.log = log
        self.events = { event in
            book?.record(event)
            events(event)
        }
        liveness = LivenessTracker(heartbeatInterval: configuration.heartbeatInterval, livenessIntervals: configuration.livenessIntervals)
        context = try ZMQContext()
        socket = try ZMQSocket(context: context, type: .router)
    }

    /// Binds the socket (errors such as a taken port are thrown here) and starts the loop thread.
    /// Leases left by an earlier run get `leaseSeconds` for their workers to come back, and the
    /// workers the ledger knows as alive are assumed so until they stay silent too long.
    public func start() throws {
        if let security = configuration.security {
            zap = try ZAPHandler(context: context, allowList: security.allowList, log: log)
            try security.keys.apply(to: socket)
        }
        try socket.set(.linger(milliseconds: 0))
        try socket.set(.routerMandatory(true))
        try socket.set(.routerHandover(true))
        try socket.set(.maxMessageSize(bytes: Int64(configuration.maxPayloadBytes + ProtocolCodec.maxHeaderBytes)))
        try socket.bind(configuration.endpoint)
        endpoint = try socket.lastEndpoint()

        let now = Date()
        let leases = try ledger.extendLeasesAfterRestart(now: now, leaseSeconds: configuration.leaseSeconds)
        for worker in try ledger.workers() where worker.state == .alive {
            if let change = liveness.heard(from: worker.id, at: now, reason: "assumed alive after coordinator start") { recordLiveness(change) }
        }
        log("coordinator listening on \(endpoint); \(try ledger.unfinishedSweeps().count) unfinished sweeps, \(leases) leases held")
        thread = LoopThread(name: "spectrofold-coordinator") { [self] in loop($0) }
    }

    /// Stops the loop, closes the socket and the ZAP handler, and releases the port; waits for
    /// all of it. A stopped coordinator is not started again (make a new one).
    public func stop() {
        thread?.stop()
        thread = nil
        socket.close()  // Already closed by the loop, unless `start()` failed before it ran.
        zap?.stop()
        zap = nil
        context.terminate()
    }

    private func loop(_ thread: LoopThread) {
        defer { socket.close() }
        var nextTick = Date()
        while !thread.shouldStop {
            do {
                let wait = max(0, Int(nextTick.timeIntervalSinceNow * 1000))
                if try socket.waitForInput(timeoutMilliseconds: min(wait, 100)) {
                    // A bounded burst, so ticks stay on time under a flood.
                    for _ in 0..<256 {
                        guard let message = try socket.receive(maxFrames: ProtocolCodec.maxFrames + 1, wait: false) else { break }
                        handle(message, now: Date())
                    }
                }
                if Date() >= nextTick {
                    tick(now: Date())
                    nextTick = Date().addingTimeInterval(configuration.heartbeatInterval)
                }
            } catch {
                log("coordinator: \(error)")
            }
        }
    }

    /// Once per heartbeat interval: heartbeats out, the dead declared, expired leases and stalled
    /// attempts requeued,
    /// idle workers given jobs, status lines written when due.
    private func tick(now: Date) {
        for worker in liveness.aliveWorkers { send(.heartbeat, to: worker) }
        for change in liveness.expire(now: now) {
            recordLiveness(change)
            idle.remove(change.worker)
            busyWith.removeValue(forKey: change.worker)
            ended(attempts(of: { try ledger.workerLost(change.worker, state: .dead, reason: change.reason, now: now) }))
        }
        ended(attempts(of: { try ledger.expireLeases(now: now) }))
        ended(attempts(of: { try ledger.expireStalledAttempts(now: now, limit: configuration.progressTimeout) }))
        dispatch(now: now)
        if now >= nextStatus {
            writeStatusLines(now: now)
            nextStatus = now.addingTimeInterval(configuration.statusInterval)
        }
    }

    private func attempts(of body: () throws -> [EndedAttempt]) -> [EndedAttempt] {
        do { return try body() } catch {
            log("coordinator: ledger: \(error)")
            return []
        }
    }

    /// Reports ended attempts and, with `cancel`, stops them on workers still alive.
    func ended(_ attempts: [EndedAttempt], cancel: Bool = true) {
        for attempt in attempts {
            log("attempt \(attempt.attempt.attempt) of \(attempt.attempt.job) on \(attempt.worker) ended (\(attempt.outcome.rawValue)): "
                + attempt.reason + (attempt.jobFailed ? "; the job failed" : "; requeued"))
            events(.attemptEnded(attempt))
            do { try heartbeatLog?.record(attempt, now: Date()) } catch { log("coordinator: \(error)") }
            if cancel && liveness.state(of: attempt.worker) == .alive {
                send(.cancel(Cancellation(job: attempt.attempt.job, attempt: attempt.attempt.attempt, reason: attempt.reason)), to: attempt.worker)
            }
            if attempt.jobFailed { reportIfSweepFinished(job: attempt.attempt.job) }
        }
    }

    func reportIfSweepFinished(job: String) {
        guard let sweep = try? ledger.job(job).sweep, let status = try? ledger.sweepStatus(sweep), status.finished else { return }
        log("sweep \(sweep) finished: \(status.done) done, \(status.failed) failed")
        events(.sweepFinished(status))
    }

    func recordLiveness(_ change: LivenessChange) {
        log("worker \(change.worker): \(change.from?.rawValue ?? "new") -> \(change.to.rawValue) (\(change.reason))")
        do { try heartbeatLog?.record(change) } catch { log("coordinator: \(error)") }
        events(.liveness(change))
    }

    private func writeStatusLines(now: Date) {
        guard let heartbeatLog, let workers = try? ledger.workers() else { return }
        for worker in workers {
            guard let state = liveness.state(of: worker.id) else { continue }
            let status = HeartbeatLog.Status(worker: worker.id, state: state, lastBeat: liveness.lastHeard(from: worker.id) ?? worker.lastBeat,
                                             job: worker.job, attempt: worker.attempt, epoch: worker.epoch, samplesPerSecond: rates[worker.id])
            do { try heartbeatLog.record(status, now: now) } catch { log("coordinator: \(error)") }
        }
    }

    /// Leases queued jobs to idle workers (ASSIGN).
    func dispatch(now: Date) {
        for worker in liveness.aliveWorkers where idle.contains(worker) {
            let lease: LeasedJob?
            let holdsLease: Bool
            do {
                lease = try ledger.leaseNextJob(worker: worker, now: now, leaseSeconds: configuration.leaseSeconds)
                holdsLease = try lease == nil && !ledger.leases(worker: worker).isEmpty
            } catch {
                log("coordinator: ledger: \(error)")
                return
            }
            guard let lease else {
                // Nothing is queued (stop here), or this worker still holds a lease: its idle
                // claim is stale (it said so again before its ASSIGN arrived), so it is busy.
                guard holdsLease else { return }
                idle.remove(worker)
                continue
            }
            idle.remove(worker)
            // The dataset first, then the checkpoint the job's model starts from, if any.
            let files = book?.files(ofJobSpec: lease.spec) ?? []
            let stored = ([lease.dataset] + files).map { StoredFile(digest: $0, bytes: datasets.size(of: $0) ?? -1) }
            let absent = stored.filter { $0.bytes < 0 }.map(\.digest)
            guard absent.isEmpty else {
                let reason = "file \(absent.joined(separator: ", ")) of the job is not on the coordinator"
                let attempt = JobAttempt(job: lease.job, attempt: lease.attempt)
                ended(attempts(of: { try ledger.recordFailure(attempt, worker: worker, reason: reason, now: now).map { [$0] } ?? [] }), cancel: false)
                continue
            }
            events(.jobLeased(lease, worker: worker))
            busyWith[worker] = JobAttempt(job: lease.job, attempt: lease.attempt)
            let size = stored[0].bytes
            send(.assign(Assignment(job: lease.job, attempt: lease.attempt, dataset: lease.dataset, datasetBytes: size,
                                    chunkCount: DatasetDirectory.chunkCount(size: size, chunkBytes: configuration.chunkBytes),
                                    files: Array(stored.dropFirst()), spec: Array(lease.spec.utf8))), to: worker)
        }
    }

    /// Sends `message` to `worker` without ever blocking the loop; an unreachable worker (gone
    /// since) or one whose queue is full (not reading) is logged, not fatal.
    func send(_ message: CoordinatorMessage, to worker: String) {
        send(message, routingID: Array(worker.utf8))
    }

    /// Sends to a peer by its routing id (for peers whose id is not a worker name).
    func send(_ message: CoordinatorMessage, routingID: [UInt8]) {
        send(frames: ProtocolCodec.encode(message), routingID: routingID)
    }

    /// Sends encoded frames to a peer (a worker or a client).
    func send(frames: [[UInt8]], routingID: [UInt8]) {
        let peer = ProtocolError.printable(routingID)
        do {
            if try !socket.send([routingID] + frames, wait: false) {
                log("coordinator: \(peer)'s queue is full; a message was dropped")
            }
            unreachable.remove(routingID)
        } catch {
            if unreachable.insert(routingID).inserted { log("coordinator: cannot send to \(peer): \(error)") }
        }
    }
}
