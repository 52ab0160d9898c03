import Foundation

/// A stateless worker: one I/O thread owns a DEALER socket to the coordinator; jobs run on a
/// separate work thread through a `JobExecutor`. It says HELLO on every (re)connection,
/// heartbeats every interval naming the attempt it works on, fetches a job's files (dataset,
/// checkpoint) by digest in chunks into its cache, streams PROGRESS, and keeps each RESULT or FAILED until ACKed
/// (resending it after a reconnect). When the coordinator falls silent it reconnects with
/// backoff (1 → 32 s by default); a DISCONNECT makes it reconnect too.
///
/// ```swift
/// let worker = Worker(configuration: .init(endpoint: "tcp://127.0.0.1:5570", version: "0.1.0", cacheDirectory: "cache"),
///                     executor: trainer, log: { print($0) })
/// try worker.start()
/// ...
/// worker.stop()   // says BYE
/// ```
public final class Worker: @unchecked Sendable {
    public let configuration: WorkerConfiguration
    let executor: JobExecutor
    let log: @Sendable (String) -> Void

    let context: ZMQContext
    let wakeup: Wakeup
    let cache: DatasetCache

    // I/O thread state.
    var socket: ZMQSocket?
    var heartbeatInterval: TimeInterval = 1
    var livenessIntervals = 3
    var chunkBytes = 1 << 20
    /// The coordinator's payload limit, from WELCOME.
    var coordinatorMaxPayloadBytes = ProtocolCodec.defaultMaxPayloadBytes
    var lastHeard = Date()
    var backoff: TimeInterval
    var reconnectAt: Date?
    /// The attempt in hand, downloading its files or running.
    var current: JobInHand?
    /// When the download in progress last moved (started or got a chunk).
    var lastChunkAt = Date()
    /// RESULT and FAILED messages not yet ACKed, with when each was last sent.
    var unacknowledged: [JobAttempt: (message: WorkerMessage, sent: Date)] = [:]

    /// Messages from the work thread to the I/O thread.
    enum WorkEvent {
        case epoch(JobAttempt, EpochReport)
        case finished(JobAttempt, Result<JobOutput, Error>)
        /// A downloaded file was checked: its path in the cache, or why it was refused.
        case verified(JobAttempt, Result<String, Error>)
    }
    private let eventsLock = NSLock()
    private var workEvents: [WorkEvent] = []

    private var thread: LoopThread?

    public init(configuration: WorkerConfiguration, executor: JobExecutor, log: @escaping @Sendable (String) -> Void) throws {
        self.configuration = configuration
        self.executor = executor
        self.log = log
        context = try ZMQContext()
        wakeup = try Wakeup()
        cache = try DatasetCache(path: configuration.cacheDirectory)
        backoff = configuration.reconnectInitial
    }

    /// Starts the I/O thread; it connects at once.
    public func start() {
        thread = LoopThread(name: "spectrofold-worker-io") { [self] in loop($0) }
    }

    /// Says BYE, cancels the job in hand, closes the socket; waits for the I/O thread (not for
    /// the executor, which sees the cancellation on its own time). Not started again after.
    public func stop() {
        thread?.stop(wake: wakeup.signal)
        thread = nil
        context.terminate()
    }

    func post(_ event: WorkEvent) {
        eventsLock.lock()
        workEvents.append(event)
        eventsLock.unlock()
        wakeup.signal()
    }

    private func takeWorkEvents() -> [WorkEvent] {
        eventsLock.lock()
        defer { eventsLock.unlock() }
        let events = workEvents
        workEvents = []
        return events
    }

    private func loop(_ thread: LoopThread) {
        defer {
            if socket != nil {
                // Give BYE up to half a second to leave; other sockets drop unsent messages.
                try? socket?.set(.linger(milliseconds: 500))
                send(.bye)
            }
            current?.cancelled.set()
            socket?.close()
            socket = nil
        }
        var nextHeartbeat = Date()
        while !thread.shouldStop {
            do {
                if socket == nil {
                    if let reconnectAt, reconnectAt > Date() {
                        _ = try ZMQPoller.poll([], fileDescriptors: [wakeup.fileDescriptor],
                                               timeoutMilliseconds: Int(reconnectAt.timeIntervalSinceNow * 1000) + 1)
                        wakeup.drain()
                        handle(takeWorkEvents())
                        continue
                    }
                    try connect()
                    nextHeartbeat = Date()
                }
                guard let socket else { continue }
                let wait = max(0, Int(nextHeartbeat.timeIntervalSinceNow * 1000))
                let ready = try ZMQPoller.poll([socket], fileDescriptors: [wakeup.fileDescriptor], timeoutMilliseconds: wait)
                if ready.fileDescriptors[0] { wakeup.drain() }
                handle(takeWorkEvents())
                if ready.sockets[0] {
                    while self.socket != nil, let message = try self.socket?.receive(maxFrames: ProtocolCodec.maxFrames + 1, wait: false) {
                        receive(message, now: Date())
                    }
                }
                let now = Date()
                if now >= nextHeartbeat {
                    heartbeat(now: now)
                    nextHeartbeat = now.addingTimeInterval(heartbeatInterval)
                }
            } catch {
                log("worker: \(error)")
                disconnect(reason: "\(error)")
            }
        }
    }

    /// A fresh socket, HELLO and a heartbeat; unacknowledged results go out again.
    private func connect() throws {
        let socket = try ZMQSocket(context: context, type: .dealer)
        try socket.set(.linger(milliseconds: 0))
        try socket.set(.routingID(Array(configuration.name.utf8)))
        try socket.set(.maxMessageSize(bytes: Int64(configuration.maxPayloadBytes + ProtocolCodec.maxHeaderBytes)))
        try socket.set(.reconnectInterval(milliseconds: Int32(configuration.reconnectInitial * 1000)))
        try socket.set(.reconnectIntervalMax(milliseconds: Int32(configuration.reconnectMaximum * 1000)))
        try configuration.security?.apply(to: socket)
        try socket.connect(configuration.endpoint)
        self.socket = socket
        reconnectAt = nil
        lastHeard = Date()
        send(.hello(WorkerHello(worker: configuration.name, host: configuration.host, cores: configuration.cores,
                                version: configuration.version, datasets: cache.cachedDigests(), blas: configuration.blas)))
        heartbeat(now: Date())
        for (attempt, pending) in unacknowledged.sorted(by: { $0.key.job < $1.key.job }) {
            send(pending.message)
            unacknowledged[attempt]?.sent = Date()
        }
    }

    /// Closes the socket and schedules a reconnect after the current backoff, then doubles it.
    func disconnect(reason: String) {
        socket?.close()
        socket = nil
        reconnectAt = Date().addingTimeInterval(backoff)
        log("worker \(configuration.name): disconnected (\(reason)); reconnecting in \(backoff) s")
        backoff = min(backoff * 2, configuration.reconnectMaximum)
        if case .downloading(let missing, _) = current?.stage {
            // A download restarts from scratch after the next WELCOME.
            current?.stage = .downloading(missing: missing, next: 0)
            cache.cancel()
        }
    }

    /// How long the coordinator, a download or an unacknowledged result may stay silent, in seconds.
    private var silenceLimit: TimeInterval { heartbeatInterval * Double(livenessIntervals) }

    private func heartbeat(now: Date) {
        guard socket != nil else { return }
        if now.timeIntervalSince(lastHeard) > silenceLimit {
            disconnect(reason: "coordinator silent for \(String(format: "%.1f", now.timeIntervalSince(lastHeard))) s")
            return
        }
        if current?.isDownloading == true, cache.downloading != nil, now.timeIntervalSince(lastChunkAt) > silenceLimit {
            log("worker \(configuration.name): download stalled; starting it again")
            startFetch()
        }
        send(.heartbeat(WorkerHeartbeat(job: current?.attempt.job, attempt: current?.attempt.attempt, epoch: current?.epoch)))
        // An unacknowledged result goes out again after a silence limit without its ACK.
        for (attempt, pending) in unacknowledged where now.timeIntervalSince(pending.sent) > silenceLimit {
            send(pending.message)
            unacknowledged[attempt]?.sent = now
        }
    }

    func send(_ message: WorkerMessage) {
        do {
            try socket?.send(ProtocolCodec.encode(message), wait: false)
        } catch {
            log("worker \(configuration.name): cannot send: \(error)")
        }
    }
}
