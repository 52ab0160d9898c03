import Foundation

/// The worker's answers to coordinator messages and to its work thread.
extension Worker {
    func receive(_ message: ZMQSocket.Multipart, now: Date) {
        let decoded: CoordinatorMessage
        do {
            decoded = try ProtocolCodec.decodeCoordinatorMessage(message.frames, discardedFrames: message.discardedFrames,
                                                                 maxPayloadBytes: configuration.maxPayloadBytes)
        } catch {
            log("worker \(configuration.name): dropped a message from the coordinator: \(error)")
            return
        }
        lastHeard = now
        switch decoded {
        case .welcome(let welcome):
            heartbeatInterval = Double(welcome.heartbeatMilliseconds) / 1000
            livenessIntervals = welcome.livenessIntervals
            chunkBytes = welcome.chunkBytes
            coordinatorMaxPayloadBytes = welcome.maxPayloadBytes
            backoff = configuration.reconnectInitial
            log("worker \(configuration.name): connected to \(configuration.endpoint)")
            if current?.isDownloading == true && cache.downloading == nil { startFetch() }
        case .heartbeat:
            break
        case .assign(let assignment):
            accept(assignment)
        case .chunk(let chunk):
            store(chunk)
        case .ack(let attempt):
            unacknowledged.removeValue(forKey: attempt)
        case .cancel(let cancellation):
            cancel(JobAttempt(job: cancellation.job, attempt: cancellation.attempt), reason: cancellation.reason)
        case .disconnect(let disconnect):
            self.disconnect(reason: "the coordinator said: \(disconnect.reason)")
        }
    }

    private func accept(_ assignment: Assignment) {
        let attempt = JobAttempt(job: assignment.job, attempt: assignment.attempt)
        if let current {
            guard current.assignment.job != assignment.job || current.assignment.attempt != assignment.attempt else { return }
            finish(attempt, .failed(JobFailure(job: assignment.job, attempt: assignment.attempt,
                                               reason: "worker \(configuration.name) is busy with \(current.assignment.job)")))
            return
        }
        log("worker \(configuration.name): job \(assignment.job) attempt \(assignment.attempt)")
        let missing = assignment.inputs.filter { cache.path(of: $0.digest) == nil }
        current = JobInHand(assignment: assignment, stage: .downloading(missing: missing, next: 0))
        if missing.isEmpty { run() } else { startFetch() }
    }

    /// Starts downloading the first file the current assignment still misses, `fetchWindow`
    /// chunks in flight.
    func startFetch() {
        guard case .downloading(let missing, _) = current?.stage, let file = missing.first else { return }
        let chunkCount = DatasetDirectory.chunkCount(size: file.bytes, chunkBytes: chunkBytes)
        do {
            try cache.begin(file.digest, chunkCount: chunkCount)
        } catch {
            failCurrent(reason: "cannot write the cache: \(error)")
            return
        }
        lastChunkAt = Date()
        guard chunkCount > 0 else { return finishFetch() }
        let window = min(configuration.fetchWindow, chunkCount)
        for chunk in 0..<window { send(.fetch(ChunkRequest(digest: file.digest, chunk: chunk))) }
        current?.stage = .downloading(missing: missing, next: window)
    }

    private func store(_ chunk: DatasetChunk) {
        guard case .downloading(let missing, let next) = current?.stage, let file = missing.first, chunk.digest == file.digest else { return }
        lastChunkAt = Date()
        do {
            if try cache.write(chunk, chunkBytes: chunkBytes) { return finishFetch() }
        } catch {
            return failCurrent(reason: "cannot write the cache: \(error)")
        }
        if next < chunk.chunkCount {
            send(.fetch(ChunkRequest(digest: file.digest, chunk: next)))
            current?.stage = .downloading(missing: missing, next: next + 1)
        }
    }

    /// Checks the finished download on a thread of its own (hashing a pack of hundreds of
    /// megabytes takes seconds, longer than the coordinator waits for a heartbeat).
    private func finishFetch() {
        guard case .downloading(let missing, _) = current?.stage, let attempt = current?.attempt else { return }
        let written: DatasetCache.WrittenFile
        do { written = try cache.close() } catch { return failCurrent(reason: "\(error)") }
        current?.stage = .verifying(missing: missing)
        let thread = Thread { [self] in post(.verified(attempt, Result { try written.install() })) }
        thread.name = "spectrofold-worker-verify"
        thread.start()
    }

    /// After a check: fetches the next missing file, or runs the job when it has them all.
    private func verified(_ outcome: Result<String, Error>, missing: [StoredFile]) {
        switch outcome {
        case .success(let path):
            log("worker \(configuration.name): file \((path as NSString).lastPathComponent) cached")
            current?.stage = .downloading(missing: Array(missing.dropFirst()), next: 0)
            if missing.count == 1 { run() } else { startFetch() }
        case .failure(let error):
            failCurrent(reason: "\(error)")
        }
    }

    /// Starts the executor on a new work thread for the current assignment, whose files are
    /// all cached.
    private func run() {
        guard let current else { return }
        self.current?.stage = .running(epoch: nil)
        let attempt = current.attempt
        var files: [String: String] = [:]
        for input in current.assignment.inputs {
            guard let path = cache.path(of: input.digest) else { return failCurrent(reason: "file \(input.digest) left the cache") }
            files[input.digest] = path
        }
        let run = JobRun(attempt: attempt, spec: current.assignment.spec, datasetPath: files[current.assignment.dataset]!, files: files,
                         reportEpoch: { [self] report in post(.epoch(attempt, report)) },
                         isCancelled: { [flag = current.cancelled] in flag.isSet })
        let executor = self.executor
        let thread = Thread { [self] in
            post(.finished(attempt, Result { try executor.execute(run) }))
        }
        thread.name = "spectrofold-worker-job"
        thread.start()
    }

    /// Events from the work thread: epochs become PROGRESS, the end becomes RESULT or FAILED
    /// (kept until ACKed); anything about an attempt no longer in hand, or cancelled, is dropped.
    func handle(_ events: [WorkEvent]) {
        for event in events {
            switch event {
            case .epoch(let attempt, let report):
                guard isCurrent(attempt), current?.cancelled.isSet == false else { continue }
                current?.stage = .running(epoch: report.record.epoch)
                send(.progress(JobProgress(job: attempt.job, attempt: attempt.attempt, epochs: report.epochs,
                                           samplesPerSecond: report.samplesPerSecond, record: report.record)))
            case .verified(let attempt, let outcome):
                guard isCurrent(attempt), case .verifying(let missing) = current?.stage else { continue }
                guard current?.cancelled.isSet == false else {
                    current = nil
                    continue
                }
                verified(outcome, missing: missing)
            case .finished(let attempt, let outcome):
                guard isCurrent(attempt), let flag = current?.cancelled else { continue }
                current = nil
                guard !flag.isSet else { continue }
                switch outcome {
                case .success(let output):
                    let largest = max(output.summary.count, output.stateDict.count)
                    guard largest <= coordinatorMaxPayloadBytes else {
                        finish(attempt, .failed(JobFailure(job: attempt.job, attempt: attempt.attempt, reason:
                            "the result has a \(largest)-byte part, over the coordinator's limit of \(coordinatorMaxPayloadBytes) bytes "
                            + "(raise spectrofold-coordinator --max-payload-mib)")))
                        continue
                    }
                    finish(attempt, .result(JobResult(job: attempt.job, attempt: attempt.attempt, summary: output.summary, stateDict: output.stateDict)))
                case .failure(let error):
                    finish(attempt, .failed(JobFailure(job: attempt.job, attempt: attempt.attempt, reason: "\(error)",
                                                       permanent: error is PermanentJobFailure)))
                }
            }
        }
    }

    private func isCurrent(_ attempt: JobAttempt) -> Bool {
        current?.attempt == attempt
    }

    /// Sends a RESULT or FAILED and keeps it until the coordinator ACKs it.
    private func finish(_ attempt: JobAttempt, _ message: WorkerMessage) {
        switch message {
        case .result(let result):
            log("worker \(configuration.name): job \(attempt.job) attempt \(attempt.attempt) finished; sending its result (\(result.stateDict.count) bytes of state dict)")
        case .failed(let failure):
            log("worker \(configuration.name): job \(attempt.job) attempt \(attempt.attempt) failed"
                + (failure.permanent ? " for good" : "") + ": \(failure.reason)")
        default: break
        }
        unacknowledged[attempt] = (message, Date())
        send(message)
    }

    private func failCurrent(reason: String) {
        guard let assignment = current?.assignment else { return }
        cache.cancel()
        current = nil
        finish(JobAttempt(job: assignment.job, attempt: assignment.attempt),
               .failed(JobFailure(job: assignment.job, attempt: assignment.attempt, reason: reason)))
    }

    /// CANCEL: a download stops at once; a running job is told and stays in hand until its
    /// thread returns (so no second job starts beside it). Its unsent outcome is forgotten.
    private func cancel(_ attempt: JobAttempt, reason: String) {
        unacknowledged.removeValue(forKey: attempt)
        guard isCurrent(attempt), let flag = current?.cancelled, !flag.isSet else { return }
        log("worker \(configuration.name): job \(attempt.job) attempt \(attempt.attempt) cancelled: \(reason)")
        flag.set()
        if current?.isDownloading == true {
            cache.cancel()
            current = nil
        }
    }
}
