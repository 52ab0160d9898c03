import Foundation

/// The coordinator's answers to each worker message.
extension Coordinator {
    /// Handles one received message: routing id first, then the protocol frames.
    func handle(_ message: ZMQSocket.Multipart, now: Date) {
        guard let identity = message.frames.first else { return }
        if ProtocolCodec.isClientRequest(message.frames.dropFirst()) {
            return handleClient(message, identity: identity, now: now)
        }
        let worker = String(decoding: identity, as: UTF8.self)
        let decoded: WorkerMessage
        do {
            decoded = try ProtocolCodec.decodeWorkerMessage(Array(message.frames.dropFirst()), discardedFrames: message.discardedFrames,
                                                            maxPayloadBytes: configuration.maxPayloadBytes)
        } catch {
            drop(from: identity, reason: "\(error)")
            return
        }
        if case .hello(let hello) = decoded {
            welcome(hello, identity: identity, now: now)
            return
        }
        // Anyone else must have said HELLO to this coordinator and still be alive; otherwise it
        // is told to reconnect (e.g. after a coordinator restart, or back from the dead).
        guard liveness.state(of: worker) == .alive, String(validating: identity, as: UTF8.self) != nil else {
            if case .bye = decoded { return }
            send(.disconnect(Disconnect(reason: "unknown worker: reconnect and send HELLO")), routingID: identity)
            return
        }
        _ = liveness.heard(from: worker, at: now, reason: "message")
        do {
            switch decoded {
            case .hello: break
            case .heartbeat(let beat): try heartbeat(beat, from: worker, now: now)
            case .fetch(let request): try fetch(request, from: worker)
            case .progress(let progress): try record(progress, from: worker, now: now)
            case .result(let result): try accept(result, from: worker, now: now)
            case .failed(let failure): try fail(failure, from: worker, now: now)
            case .bye: try bye(from: worker, now: now)
            }
        } catch {
            log("coordinator: \(worker): \(error)")
        }
    }

    private func drop(from identity: [UInt8], reason: String) {
        let peer = ProtocolError.printable(identity)
        log("dropped a message from \(peer): \(reason)")
        events(.messageDropped(peer: peer, reason: reason))
    }

    private func welcome(_ hello: WorkerHello, identity: [UInt8], now: Date) {
        guard identity == Array(hello.worker.utf8) else {
            drop(from: identity, reason: "HELLO from routing id \(ProtocolError.printable(identity)) names worker '\(hello.worker)'; they must match")
            return
        }
        do {
            try ledger.workerConnected(hello, now: now)
        } catch {
            log("coordinator: ledger: \(error)")
            return
        }
        blasKernels[hello.worker] = hello.blas
        if let change = liveness.heard(from: hello.worker, at: now, reason: "HELLO from \(hello.host) (\(hello.cores) cores, version \(hello.version))") {
            recordLiveness(change)
        }
        send(.welcome(Welcome(worker: hello.worker, heartbeatMilliseconds: Int(configuration.heartbeatInterval * 1000),
                              livenessIntervals: configuration.livenessIntervals, chunkBytes: configuration.chunkBytes,
                              maxPayloadBytes: configuration.maxPayloadBytes)), to: hello.worker)
    }

    private func heartbeat(_ beat: WorkerHeartbeat, from worker: String, now: Date) throws {
        if let job = beat.job, let attempt = beat.attempt {
            busyWith[worker] = JobAttempt(job: job, attempt: attempt)
        } else {
            busyWith.removeValue(forKey: worker)
        }
        switch try ledger.recordHeartbeat(worker: worker, beat, now: now, leaseSeconds: configuration.leaseSeconds) {
        case .idle:
            becameIdle(worker, now: now)
        case .renewed:
            idle.remove(worker)
        case .notLeased:
            // Still busy with an attempt it no longer holds, until it has stopped.
            idle.remove(worker)
            if let job = beat.job, let attempt = beat.attempt {
                send(.cancel(Cancellation(job: job, attempt: attempt, reason: "no lease for this attempt")), to: worker)
            }
        }
    }

    private func fetch(_ request: ChunkRequest, from worker: String) throws {
        guard let size = datasets.size(of: request.digest) else {
            log("coordinator: \(worker) asked for dataset \(request.digest), which is not here")
            return
        }
        let count = DatasetDirectory.chunkCount(size: size, chunkBytes: configuration.chunkBytes)
        guard request.chunk < count else {
            log("coordinator: \(worker) asked for chunk \(request.chunk) of \(request.digest), which has \(count)")
            return
        }
        let bytes = try datasets.chunk(request.digest, index: request.chunk, chunkBytes: configuration.chunkBytes)
        send(.chunk(DatasetChunk(digest: request.digest, chunk: request.chunk, chunkCount: count, bytes: bytes)), to: worker)
    }

    private func record(_ progress: JobProgress, from worker: String, now: Date) throws {
        rates[worker] = progress.samplesPerSecond
        if try ledger.recordProgress(progress, worker: worker, now: now) {
            events(.progress(progress, worker: worker))
        }
    }

    private func accept(_ result: JobResult, from worker: String, now: Date) throws {
        let attempt = JobAttempt(job: result.job, attempt: result.attempt)
        let disposition = try ledger.recordResult(attempt, worker: worker, summary: String(decoding: result.summary, as: UTF8.self),
                                                  stateDict: result.stateDict, now: now)
        send(.ack(attempt), to: worker)
        finished(attempt, on: worker, now: now)
        switch disposition {
        case .accepted(let superseded):
            log("result of \(result.job) attempt \(result.attempt) from \(worker) accepted (\(result.stateDict.count) bytes of state dict)")
            events(.resultAccepted(attempt, worker: worker))
            for other in superseded {
                let reason = "attempt \(result.attempt) finished first"
                events(.attemptEnded(EndedAttempt(attempt: other.attempt, worker: other.worker, outcome: .superseded, jobFailed: false, reason: reason)))
                if liveness.state(of: other.worker) == .alive {
                    send(.cancel(Cancellation(job: other.attempt.job, attempt: other.attempt.attempt, reason: reason)), to: other.worker)
                }
            }
            reportIfSweepFinished(job: result.job)
        case .dropped(let reason):
            log("result of \(result.job) attempt \(result.attempt) from \(worker) acknowledged and dropped: \(reason)")
            events(.resultDropped(attempt, worker: worker, reason: reason))
            do { try heartbeatLog?.recordDroppedResult(attempt, worker: worker, reason: reason, now: now) } catch { log("coordinator: \(error)") }
        }
    }

    private func fail(_ failure: JobFailure, from worker: String, now: Date) throws {
        let ended = try ledger.recordFailure(JobAttempt(job: failure.job, attempt: failure.attempt), worker: worker,
                                             reason: failure.reason, permanent: failure.permanent, now: now)
        let attempt = JobAttempt(job: failure.job, attempt: failure.attempt)
        send(.ack(attempt), to: worker)
        self.ended(ended.map { [$0] } ?? [], cancel: false)
        // A FAILED says that attempt ended, not that the worker is free: a worker still busy with
        // another attempt (one it was cancelled from and has not stopped yet) refuses an ASSIGN
        // with FAILED. Its next heartbeat says which (idle: the next job), so that a refusal is
        // not answered with the next ASSIGN at once, each burning an attempt.
        if busyWith[worker] == attempt { busyWith.removeValue(forKey: worker) }
    }

    /// A worker that sent RESULT for the attempt it was on has finished it: give it the next
    /// job now rather than at its next heartbeat. (A resent result of an older attempt says
    /// nothing about what the worker does now.)
    private func finished(_ attempt: JobAttempt, on worker: String, now: Date) {
        guard busyWith[worker] == attempt else { return }
        busyWith.removeValue(forKey: worker)
        becameIdle(worker, now: now)
    }

    private func becameIdle(_ worker: String, now: Date) {
        idle.insert(worker)
        dispatch(now: now)
    }

    private func bye(from worker: String, now: Date) throws {
        if let change = liveness.left(worker, at: now, reason: "said BYE") { recordLiveness(change) }
        idle.remove(worker)
        busyWith.removeValue(forKey: worker)
        ended(try ledger.workerLost(worker, state: .gone, reason: "said BYE", now: now))
    }
}
