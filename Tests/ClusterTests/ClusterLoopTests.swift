import Cluster
import Foundation
import Random
import TestSupport
import XCTest

/// The coordinator and worker loops in one process over real tcp://127.0.0.1 sockets, with a
/// real ledger file and a tiny executor. Waits are failure deadlines on coordinator events.
final class ClusterLoopTests: XCTestCase {
    private var bed: SweepBed!

    override func setUpWithError() throws { bed = try SweepBed() }
    override func tearDown() { bed.remove() }

    private func assertEveryJobDoneOnceWithTheRightDataset(file: StaticString = #filePath, line: UInt = #line) throws {
        let jobs = try bed.ledger.jobs(sweep: "s1")
        XCTAssertEqual(jobs.map(\.state), [.done, .done, .done, .done], file: file, line: line)
        for job in jobs {
            let result = try XCTUnwrap(bed.ledger.result(job: job.id), file: file, line: line)
            XCTAssertEqual(result.summary, #"{"dataset":"\#(bed.digest)","job":"\#(job.id)"}"#, file: file, line: line)
            XCTAssertEqual(result.stateDict, Array(job.id.utf8), file: file, line: line)
            XCTAssertEqual(try bed.ledger.attempts(job: job.id).filter { $0.outcome == .succeeded }.count, 1, file: file, line: line)
            XCTAssertEqual(try bed.ledger.progress(job: job.id, attempt: result.attempt).map(\.epoch), [0, 1], file: file, line: line)
        }
        XCTAssertEqual(try bed.ledger.sweepStatus("s1").finished, true, file: file, line: line)
    }

    func testASweepCompletesOnTwoWorkersWithEveryJobDoneOnce() throws {
        let coordinator = try bed.coordinator()
        defer { coordinator.stop() }
        let workers = try ["w1", "w2"].map { try bed.worker($0, endpoint: coordinator.endpoint) }
        bed.recorder.wait { $0.isSweepFinished }
        try assertEveryJobDoneOnceWithTheRightDataset()
        try waitUntil("a status line with the workers' rate") {
            try bed.heartbeatLines().contains { $0["event"] as? String == "status" && $0["samples_per_second"] as? Double == 100 }
        }

        for worker in workers { worker.stop() }
        for name in ["w1", "w2"] {
            bed.recorder.wait { if case .liveness(let change) = $0 { return change.worker == name && change.to == .gone } else { return false } }
            let usedBy = try bed.ledger.jobs(sweep: "s1").filter { try bed.ledger.result(job: $0.id)?.worker == name }
            let cached = FileManager.default.fileExists(atPath: bed.directory.file("cache-\(name)/\(bed.digest)"))
            XCTAssertEqual(cached, !usedBy.isEmpty, "\(name) caches the dataset exactly when it ran a job")
        }
        let lines = try bed.heartbeatLines()
        for name in ["w1", "w2"] {
            let transitions = lines.filter { $0["event"] as? String == "liveness" && $0["worker"] as? String == name }.map { $0["to"] as? String }
            XCTAssertEqual(transitions, ["alive", "gone"])
        }
    }

    func testATakenEndpointIsAnErrorNamingItAndStopStillReturns() throws {
        let first = try bed.coordinator()
        defer { first.stop() }
        let second = try Coordinator(configuration: bed.configuration(endpoint: first.endpoint), ledger: bed.ledger,
                                     datasets: bed.datasets, heartbeatLog: nil, log: { _ in })
        XCTAssertThrowsError(try second.start()) {
            XCTAssertEqual(String(describing: $0), "zmq_bind(\(first.endpoint)): Address already in use")
        }
        second.stop()
    }

    /// A worker that takes a job and then vanishes (a raw socket that says HELLO, receives
    /// ASSIGN and goes silent) is declared dead; its job goes to a real worker as attempt 2.
    func testAVanishedWorkersJobIsReassigned() throws {
        let coordinator = try bed.coordinator()
        defer { coordinator.stop() }
        let context = try ZMQContext()
        let ghost = try ZMQSocket(context: context, type: .dealer)
        try ghost.set(.linger(milliseconds: 0))
        try ghost.set(.routingID(Array("ghost".utf8)))
        try ghost.connect(coordinator.endpoint)
        try ghost.send(ProtocolCodec.encode(WorkerMessage.hello(WorkerHello(worker: "ghost", host: "nowhere", cores: 1, version: "test", datasets: []))))
        try ghost.send(ProtocolCodec.encode(WorkerMessage.heartbeat(WorkerHeartbeat())))
        guard case .jobLeased(let lease, "ghost")? = bed.recorder.wait(for: { if case .jobLeased(_, "ghost") = $0 { return true } else { return false } })
        else { return }
        ghost.close()

        let worker = try bed.worker("w1", endpoint: coordinator.endpoint)
        defer { worker.stop() }
        bed.recorder.wait { $0.isSweepFinished }
        try assertEveryJobDoneOnceWithTheRightDataset()
        let attempts = try bed.ledger.attempts(job: lease.job)
        XCTAssertEqual(attempts.map(\.worker), ["ghost", "w1"])
        XCTAssertEqual(attempts.map(\.outcome), [.workerLost, .succeeded])
        XCTAssertTrue(attempts[0].reason?.hasPrefix("worker ghost silent for") == true, attempts[0].reason ?? "nil")
        XCTAssertLessThanOrEqual(bed.logLines.lines.filter { $0.hasPrefix("coordinator: cannot send to 'ghost'") }.count, 1,
                                 "an unreachable peer is logged once, not at every heartbeat: \(bed.logLines.lines)")
        XCTAssertTrue(try bed.heartbeatLines().contains {
            $0["worker"] as? String == "ghost" && $0["from"] as? String == "alive" && $0["to"] as? String == "dead"
        })
    }

    /// A result that arrives after its job was done by another worker (the worker was declared
    /// dead, its job finished elsewhere, then it came back and reported) is acknowledged, so the
    /// worker stops resending it, and dropped: the ledger keeps the first result, and the drop is
    /// an event and a heartbeat-log line.
    func testAResultAfterItsJobIsDoneIsAcknowledgedAndDropped() throws {
        let coordinator = try bed.coordinator()
        defer { coordinator.stop() }
        let context = try ZMQContext()
        func ghostSocket() throws -> ZMQSocket {
            let socket = try ZMQSocket(context: context, type: .dealer)
            try socket.set(.linger(milliseconds: 0))
            try socket.set(.routingID(Array("ghost".utf8)))
            try socket.connect(coordinator.endpoint)
            _ = try socket.send(ProtocolCodec.encode(WorkerMessage.hello(WorkerHello(worker: "ghost", host: "nowhere", cores: 1,
                                                                                      version: "test", datasets: []))))
            return socket
        }
        let first = try ghostSocket()
        _ = try first.send(ProtocolCodec.encode(WorkerMessage.heartbeat(WorkerHeartbeat())))
        guard case .jobLeased(let lease, "ghost")? = bed.recorder.wait(for: { if case .jobLeased(_, "ghost") = $0 { return true } else { return false } })
        else { return }
        first.close()
        let worker = try bed.worker("w1", endpoint: coordinator.endpoint)
        defer { worker.stop() }
        bed.recorder.wait { $0.isSweepFinished }
        let accepted = try XCTUnwrap(bed.ledger.result(job: lease.job))
        XCTAssertEqual(accepted.worker, "w1")

        let back = try ghostSocket()
        defer { back.close() }
        let attempt = JobAttempt(job: lease.job, attempt: lease.attempt)
        _ = try back.send(ProtocolCodec.encode(WorkerMessage.result(JobResult(job: attempt.job, attempt: attempt.attempt,
                                                                              summary: Array(#"{"late":true}"#.utf8), stateDict: [1, 2, 3]))))
        var acknowledged = false
        let deadline = Date().addingTimeInterval(30)
        while !acknowledged, Date() < deadline {
            guard try back.waitForInput(timeoutMilliseconds: 100), let message = try back.receive(maxFrames: 8) else { continue }
            if case .ack(attempt) = try ProtocolCodec.decodeCoordinatorMessage(message.frames) { acknowledged = true }
        }
        XCTAssertTrue(acknowledged, "the late result is acknowledged")
        bed.recorder.wait { if case .resultDropped(attempt, "ghost", _) = $0 { return true } else { return false } }
        XCTAssertEqual(try bed.ledger.result(job: lease.job)?.worker, "w1", "the first result stays")
        XCTAssertEqual(try bed.ledger.result(job: lease.job)?.stateDict, accepted.stateDict)
        let outcomes = try bed.ledger.attempts(job: lease.job).map(\.outcome)
        XCTAssertTrue([[.workerLost, .succeeded], [.expired, .succeeded]].contains(outcomes), "\(outcomes)")
        try waitUntil("the drop in the heartbeat log") {
            try bed.heartbeatLines().contains {
                $0["event"] as? String == "result" && $0["outcome"] as? String == "dropped" && $0["worker"] as? String == "ghost"
                    && $0["job"] as? String == lease.job && $0["reason"] as? String == "job '\(lease.job)' is already done"
            }
        }
    }

    /// A job whose executor reports an error no retry can change (`PermanentJobFailure`: its
    /// configuration or data is at fault) fails after its first attempt; any other error is
    /// retried up to the bound.
    func testAPermanentFailureEndsTheJobAtOnceAndOthersAreRetried() throws {
        struct FailingExecutor: JobExecutor {
            func execute(_ run: JobRun) throws -> JobOutput {
                if run.attempt.job.hasSuffix("a/fold-0") { throw PermanentJobFailure("a/fold-0: loss became nan") }
                if run.attempt.job.hasSuffix("a/fold-1") { throw CocoaError(.fileReadUnknown) }
                return try DigestExecutor().execute(run)
            }
        }
        let coordinator = try bed.coordinator()
        defer { coordinator.stop() }
        let worker = try bed.worker("w1", endpoint: coordinator.endpoint, executor: FailingExecutor())
        defer { worker.stop() }
        bed.recorder.wait { $0.isSweepFinished }
        let jobs = try bed.ledger.jobs(sweep: "s1")
        XCTAssertEqual(jobs.map(\.state), [.failed, .failed, .done, .done])
        XCTAssertEqual(try bed.ledger.attempts(job: jobs[0].id).count, 1, "not retried")
        XCTAssertEqual(jobs[0].failure, "attempt 1, not retried (a configuration or data error): a/fold-0: loss became nan")
        XCTAssertEqual(try bed.ledger.attempts(job: jobs[1].id).count, 3, "retried up to the bound")
        XCTAssertTrue(jobs[1].failure?.hasPrefix("attempt 3 of 3: ") == true, jobs[1].failure ?? "nil")
    }

    /// A worker whose lease is gone (here: ended in the ledger behind its back) gets CANCEL at
    /// its next heartbeat; the executor sees the cancellation, its outcome is discarded (no
    /// FAILED), and the requeued job runs again as attempt 2.
    func testAWorkerWithoutALeaseIsCancelledAndTheJobRunsAgain() throws {
        let started = Gate(), gate = Gate()
        let coordinator = try bed.coordinator()
        defer { coordinator.stop() }
        let worker = try bed.worker("w1", endpoint: coordinator.endpoint, executor: DigestExecutor(started: started, gate: gate))
        defer { worker.stop() }
        guard case .jobLeased(let lease, _)? = bed.recorder.wait(for: { if case .jobLeased = $0 { return true } else { return false } })
        else { return }
        waitUntil("the job starts") { started.isOpen }
        XCTAssertEqual(try bed.ledger.workerLost("w1", state: .dead, reason: "declared lost by the test", now: Date()).map(\.attempt),
                       [JobAttempt(job: lease.job, attempt: 1)])
        waitUntil("the worker cancels its attempt") {
            bed.logLines.lines.contains { $0.contains("job \(lease.job) attempt 1 cancelled: no lease for this attempt") }
        }
        gate.open()
        bed.recorder.wait { $0.isSweepFinished }
        try assertEveryJobDoneOnceWithTheRightDataset()
        let attempts = try bed.ledger.attempts(job: lease.job)
        XCTAssertEqual(attempts.map(\.outcome), [.workerLost, .succeeded])
        XCTAssertEqual(attempts.first?.reason, "worker w1 declared lost by the test", "no FAILED replaced the reason")
    }

    /// A worker that refuses an ASSIGN with FAILED (busy with an attempt it has not stopped yet,
    /// as a worker thawed past its lease can be) gets no further ASSIGN until a heartbeat says it
    /// is idle: a refusal burns one attempt, not one per round trip. (Found by
    /// `spectrofold-bench soak`: 24 attempts of one job refused in 30 ms.)
    func testARefusedAssignmentIsNotAnsweredWithTheNextOneBeforeAnIdleHeartbeat() throws {
        let coordinator = try bed.coordinator()
        defer { coordinator.stop() }
        let context = try ZMQContext()
        let socket = try ZMQSocket(context: context, type: .dealer)
        defer { socket.close() }
        try socket.set(.linger(milliseconds: 0))
        try socket.set(.routingID(Array("busy".utf8)))
        try socket.connect(coordinator.endpoint)
        func send(_ message: WorkerMessage) throws { _ = try socket.send(ProtocolCodec.encode(message)) }
        /// Messages from the coordinator, in order, up to and including the first that `last` accepts.
        func receive(until last: (CoordinatorMessage) -> Bool) throws -> [CoordinatorMessage] {
            var messages: [CoordinatorMessage] = []
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline {
                guard try socket.waitForInput(timeoutMilliseconds: 100), let frames = try socket.receive(maxFrames: 8) else { continue }
                let message = try ProtocolCodec.decodeCoordinatorMessage(frames.frames)
                messages.append(message)
                if last(message) { return messages }
            }
            XCTFail("no awaited message within 30 s; got \(messages)")
            return messages
        }
        func assignment(_ messages: [CoordinatorMessage]) -> Assignment? {
            messages.lazy.compactMap { if case .assign(let assignment) = $0 { return assignment } else { return nil } }.first
        }
        try send(.hello(WorkerHello(worker: "busy", host: "nowhere", cores: 1, version: "test", datasets: [])))
        try send(.heartbeat(WorkerHeartbeat()))
        let first = try XCTUnwrap(assignment(try receive { if case .assign = $0 { return true } else { return false } }))
        let refused = JobAttempt(job: first.job, attempt: first.attempt)
        try send(.failed(JobFailure(job: first.job, attempt: first.attempt, reason: "worker busy is busy with s1/x/fold-9")))
        // Still busy: the heartbeat names an attempt it holds no lease for, which is cancelled.
        // Replies come in order, so an ASSIGN sent after the ACK would arrive before the CANCEL.
        try send(.heartbeat(WorkerHeartbeat(job: "s1/x/fold-9", attempt: 1, epoch: 0)))
        let replies = try receive { if case .cancel = $0 { return true } else { return false } }
        XCTAssertTrue(replies.contains { if case .ack(refused) = $0 { return true } else { return false } }, "\(replies)")
        XCTAssertNil(assignment(replies), "no ASSIGN to a worker that refused one and says it is busy: \(replies)")
        XCTAssertEqual(try bed.ledger.attempts(job: first.job).map(\.outcome), [.failed])
        // Idle at last: the next job.
        try send(.heartbeat(WorkerHeartbeat()))
        XCTAssertNotNil(assignment(try receive { if case .assign = $0 { return true } else { return false } }))
    }

    /// Random, truncated, oversized and over-long messages at the ROUTER are logged and dropped;
    /// the loop keeps running and a real worker then completes the sweep.
    func testGarbageAtTheRouterIsDroppedAndTheSweepCompletes() throws {
        var configuration = bed.configuration()
        configuration.maxPayloadBytes = 64 * 1024
        configuration.chunkBytes = 32 * 1024
        let coordinator = try bed.coordinator(configuration)
        defer { coordinator.stop() }
        let context = try ZMQContext()
        let attacker = try ZMQSocket(context: context, type: .dealer)
        try attacker.set(.linger(milliseconds: 0))
        try attacker.connect(coordinator.endpoint)
        var random = RandomGenerator(seed: 99)
        let valid = ProtocolCodec.encode(WorkerMessage.hello(WorkerHello(worker: "x", host: "h", cores: 1, version: "v", datasets: [])))
        var sent = 0
        for round in 0..<60 {
            switch round % 3 {
            case 0: try attacker.send((0..<1 + Int(random.next() % 5)).map { _ in random.bytes(count: Int(random.next() % 64)) })
            case 1: try attacker.send(Array(valid.prefix(1 + Int(random.next() % 2))))
            default: try attacker.send(valid + Array(repeating: [1], count: 20))
            }
            sent += 1
        }
        try attacker.send(valid)  // HELLO naming "x" from another routing id
        sent += 1
        let drops = { self.bed.recorder.events.filter { if case .messageDropped = $0 { return true } else { return false } }.count }
        waitUntil("every bad message dropped") { drops() >= sent }
        XCTAssertEqual(drops(), sent)

        // An oversized frame makes libzmq drop the connection before anything is decoded.
        let flooder = try ZMQSocket(context: context, type: .dealer)
        try flooder.set(.linger(milliseconds: 0))
        try flooder.connect(coordinator.endpoint)
        try flooder.send([Array(ProtocolCodec.version.utf8), Array("RESULT".utf8), [UInt8](repeating: 0x7b, count: 200 * 1024)])

        let worker = try bed.worker("w1", endpoint: coordinator.endpoint)
        defer { worker.stop() }
        bed.recorder.wait { $0.isSweepFinished }
        try assertEveryJobDoneOnceWithTheRightDataset()
        XCTAssertEqual(drops(), sent, "the oversized frame never reached the decoder")
        XCTAssertTrue(bed.logLines.lines.contains { $0.contains("dropped a message from") && $0.contains("unknown protocol version") })
        XCTAssertTrue(bed.logLines.lines.contains { $0.contains("HELLO message: 20 payload frames, expected 0") }, "\(bed.logLines.lines.prefix(20))")
        XCTAssertTrue(bed.logLines.lines.contains { $0.contains("names worker 'x'; they must match") })
    }

    /// With CURVE on, a worker whose key is not allowed gets nothing (refused in the handshake,
    /// logged); the allowed worker runs every job.
    func testOnlyAllowedWorkersGetJobs() throws {
        let serverKeys = try CurveKeyPair.generate(), allowed = try CurveKeyPair.generate(), stranger = try CurveKeyPair.generate()
        var configuration = bed.configuration()
        configuration.security = (CurveServerSecurity(keyPair: serverKeys), CurveAllowList(keys: [allowed.publicKey]))
        let coordinator = try bed.coordinator(configuration)
        defer { coordinator.stop() }
        let intruder = try bed.worker("intruder", endpoint: coordinator.endpoint,
                                      security: CurveClientSecurity(keyPair: stranger, serverPublicKey: serverKeys.publicKey))
        defer { intruder.stop() }
        waitUntil("the ZAP handler logs the refusal") {
            bed.logLines.lines.contains { $0.contains("refused CURVE client \(stranger.publicKey)") }
        }

        let worker = try bed.worker("w1", endpoint: coordinator.endpoint,
                                    security: CurveClientSecurity(keyPair: allowed, serverPublicKey: serverKeys.publicKey))
        defer { worker.stop() }
        bed.recorder.wait { $0.isSweepFinished }
        try assertEveryJobDoneOnceWithTheRightDataset()
        XCTAssertEqual(try bed.ledger.workers().map(\.id), ["w1"], "the intruder never got as far as HELLO")
        XCTAssertFalse(FileManager.default.fileExists(atPath: bed.directory.file("cache-intruder/\(bed.digest)")))
    }

    /// A coordinator stopped in the middle of a job and started again on the same ledger file
    /// and endpoint continues: the job finishes while no coordinator runs, the worker keeps the
    /// result, reconnects on its own and delivers it; the lease survived, and the sweep completes
    /// with every job done once.
    func testARestartedCoordinatorContinuesTheSweep() throws {
        let started = Gate(), gate = Gate(), finished = Gate()
        let first = try bed.coordinator()
        let endpoint = first.endpoint
        let worker = try bed.worker("w1", endpoint: endpoint, executor: DigestExecutor(started: started, gate: gate, finished: finished))
        defer { worker.stop() }
        guard case .jobLeased(let lease, _)? = bed.recorder.wait(for: { if case .jobLeased = $0 { return true } else { return false } })
        else { return }
        waitUntil("the worker has the dataset and starts the job") { started.isOpen }
        first.stop()
        gate.open()
        waitUntil("the first job finishes with no coordinator running") { finished.isOpen }
        XCTAssertNil(try bed.ledger.result(job: lease.job))

        let second = try bed.coordinator(bed.configuration(endpoint: endpoint), ledger: Ledger(path: bed.ledgerPath))
        defer { second.stop() }
        bed.recorder.wait { $0.isSweepFinished }
        try assertEveryJobDoneOnceWithTheRightDataset()
        XCTAssertEqual(try bed.ledger.attempts(job: lease.job).map(\.outcome), [.succeeded], "the lease survived the restart")
        XCTAssertTrue(try bed.heartbeatLines().contains {
            $0["worker"] as? String == "w1" && $0["reason"] as? String == "assumed alive after coordinator start"
        }, "the restarted coordinator takes the ledger's live workers as alive until they fall silent")
    }
}
