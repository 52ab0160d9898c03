import Cluster
import Foundation
import RunRecords
import SQLite
import TestSupport
import XCTest

/// The ledger on real SQLite files, with explicit times (no clocks, no sleeps).
final class LedgerTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    private let digest = String(repeating: "cd", count: 32)

    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    private func t(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    /// A ledger with sweep "s1": models a, b × folds 0, 1.
    private func ledgerWithSweep(_ name: String = "ledger.sqlite", maxAttempts: Int = 3) throws -> Ledger {
        let ledger = try Ledger(path: directory.file(name))
        let jobs = ["a", "b"].flatMap { model in (0..<2).map { NewJob(model: model, fold: $0, spec: #"{"model":"\#(model)","fold":\#($0)}"#) } }
        XCTAssertTrue(try ledger.createSweep(id: "s1", name: "demo", dataset: digest, configuration: "{}", jobs: jobs,
                                             maxAttempts: maxAttempts, now: t0))
        return ledger
    }

    private func hello(_ worker: String) -> WorkerHello {
        WorkerHello(worker: worker, host: "host-\(worker)", cores: 2, version: "0.1.0", datasets: [])
    }

    /// A worker that heartbeats but finishes no epoch (hung training) loses its attempt after the
    /// progress limit, counted from the start and then from each recorded epoch.
    func testAnAttemptWithoutEpochsPastTheLimitIsEndedAsStalled() throws {
        let ledger = try ledgerWithSweep()
        let lease = try XCTUnwrap(ledger.leaseNextJob(worker: "w1", now: t(0), leaseSeconds: 10))
        XCTAssertEqual(try ledger.expireStalledAttempts(now: t(59), limit: 60), [])
        let record = EpochRecord(epoch: 0, trainLoss: 1, trainAccuracy: 0, learningRate: 0.1, seconds: 1)
        XCTAssertTrue(try ledger.recordProgress(JobProgress(job: lease.job, attempt: 1, epochs: 5, samplesPerSecond: 10, record: record),
                                                worker: "w1", now: t(50)))
        XCTAssertEqual(try ledger.expireStalledAttempts(now: t(100), limit: 60), [], "the epoch at 50 s restarts the clock")
        let ended = try ledger.expireStalledAttempts(now: t(110), limit: 60)
        XCTAssertEqual(ended, [EndedAttempt(attempt: JobAttempt(job: lease.job, attempt: 1), worker: "w1", outcome: .expired,
                                            jobFailed: false, reason: "no epoch finished in 60 s (training stalled)")])
        XCTAssertEqual(try ledger.job(lease.job).state, .queued)
    }

    func testJobsAreLeasedInOrderAndEachResultIsAcceptedOnce() throws {
        let ledger = try ledgerWithSweep()
        XCTAssertFalse(try ledger.createSweep(id: "s1", name: "demo", dataset: digest, configuration: "{}", jobs: [], maxAttempts: 3, now: t0),
                       "a retried submit is a no-op")
        XCTAssertThrowsError(try ledger.createSweep(id: "s1", name: "demo", dataset: String(repeating: "ee", count: 32),
                                                    configuration: "{}", jobs: [], maxAttempts: 3, now: t0)) {
            XCTAssertTrue(String(describing: $0).contains("sweep 's1' exists with dataset \(self.digest)"), "\($0)")
        }
        let first = try XCTUnwrap(ledger.leaseNextJob(worker: "w1", now: t(1), leaseSeconds: 10))
        XCTAssertEqual(first, LeasedJob(job: "s1/a/fold-0", attempt: 1, sweep: "s1", dataset: digest,
                                        spec: #"{"model":"a","fold":0}"#, expires: t(11)))
        XCTAssertNil(try ledger.leaseNextJob(worker: "w1", now: t(1), leaseSeconds: 10), "one lease per worker")
        XCTAssertEqual(try ledger.leaseNextJob(worker: "w2", now: t(1), leaseSeconds: 10)?.job, "s1/a/fold-1")
        XCTAssertEqual(try ledger.leases(worker: "w2"), [JobAttempt(job: "s1/a/fold-1", attempt: 1)])

        let stateDict: [UInt8] = [1, 2, 3, 0, 255]
        XCTAssertEqual(try ledger.recordResult(JobAttempt(job: first.job, attempt: 1), worker: "w1", summary: #"{"acc":0.9}"#,
                                               stateDict: stateDict, now: t(5)), .accepted(superseded: []))
        XCTAssertEqual(try ledger.recordResult(JobAttempt(job: first.job, attempt: 1), worker: "w1", summary: #"{"acc":0.1}"#,
                                               stateDict: [], now: t(6)), .dropped(reason: "job 's1/a/fold-0' is already done"))
        XCTAssertEqual(try ledger.recordResult(JobAttempt(job: "s1/a/fold-1", attempt: 1), worker: "w9", summary: "{}",
                                               stateDict: [], now: t(6)),
                       .dropped(reason: "job 's1/a/fold-1' has no attempt 1 by worker 'w9'"))
        let stored = try XCTUnwrap(ledger.result(job: first.job))
        XCTAssertEqual(stored.summary, #"{"acc":0.9}"#)
        XCTAssertEqual(stored.stateDict, stateDict)
        XCTAssertEqual(stored.worker, "w1")
        XCTAssertEqual(try ledger.sweepStatus("s1"),
                       SweepStatus(id: "s1", name: "demo", dataset: digest, finished: false, queued: 2, leased: 1, done: 1, failed: 0))
        XCTAssertEqual(try ledger.attempts(job: first.job).map(\.outcome), [.succeeded])
    }

    func testExpiredLeasesRequeueWithTheNextAttemptUpToTheBoundThenTheJobFails() throws {
        let ledger = try ledgerWithSweep(maxAttempts: 2)
        try ledger.workerConnected(hello("w1"), now: t(0))
        let lease = try XCTUnwrap(ledger.leaseNextJob(worker: "w1", now: t(0), leaseSeconds: 10))
        XCTAssertEqual(try ledger.recordHeartbeat(worker: "w1", WorkerHeartbeat(job: lease.job, attempt: 1, epoch: 0), now: t(5), leaseSeconds: 10),
                       .renewed(until: t(15)))
        XCTAssertEqual(try ledger.expireLeases(now: t(14.9)), [])
        XCTAssertEqual(try ledger.expireLeases(now: t(15)), [
            EndedAttempt(attempt: JobAttempt(job: lease.job, attempt: 1), worker: "w1", outcome: .expired, jobFailed: false,
                         reason: "lease expired (worker w1 went silent)"),
        ])
        XCTAssertEqual(try ledger.job(lease.job).state, .queued)
        XCTAssertEqual(try ledger.recordHeartbeat(worker: "w1", WorkerHeartbeat(job: lease.job, attempt: 1), now: t(16), leaseSeconds: 10),
                       .notLeased, "a heartbeat cannot revive an expired lease")

        let second = try XCTUnwrap(ledger.leaseNextJob(worker: "w2", now: t(16), leaseSeconds: 10))
        XCTAssertEqual(JobAttempt(job: second.job, attempt: second.attempt), JobAttempt(job: lease.job, attempt: 2))
        let ended = try ledger.expireLeases(now: t(30))
        XCTAssertEqual(ended.map(\.jobFailed), [true])
        let failed = try ledger.job(lease.job)
        XCTAssertEqual(failed.state, .failed)
        XCTAssertEqual(failed.failure, "attempt 2 of 2: lease expired (worker w2 went silent)")
        XCTAssertEqual(try ledger.attempts(job: lease.job).map(\.outcome), [.expired, .expired])
        XCTAssertEqual(try ledger.attempts(job: lease.job).map(\.epoch), [0, nil])
        XCTAssertNotEqual(try ledger.leaseNextJob(worker: "w3", now: t(31), leaseSeconds: 10)?.job, lease.job, "a failed job is never leased again")
    }

    func testALateResultFromAnExpiredAttemptWinsAndSupersedesTheRunningOne() throws {
        let ledger = try ledgerWithSweep()
        let lease = try XCTUnwrap(ledger.leaseNextJob(worker: "w1", now: t(0), leaseSeconds: 10))
        _ = try ledger.expireLeases(now: t(10))
        XCTAssertEqual(try ledger.leaseNextJob(worker: "w2", now: t(11), leaseSeconds: 10)?.attempt, 2)
        XCTAssertEqual(try ledger.recordResult(JobAttempt(job: lease.job, attempt: 1), worker: "w1", summary: "{}", stateDict: [7], now: t(12)),
                       .accepted(superseded: [HeldAttempt(attempt: JobAttempt(job: lease.job, attempt: 2), worker: "w2")]))
        let attempts = try ledger.attempts(job: lease.job)
        XCTAssertEqual(attempts.map(\.outcome), [.succeeded, .superseded])
        XCTAssertEqual(attempts.map(\.reason), ["late result after expired", "attempt 1 finished first"])
        XCTAssertEqual(try ledger.recordHeartbeat(worker: "w2", WorkerHeartbeat(job: lease.job, attempt: 2), now: t(13), leaseSeconds: 10), .notLeased)
        XCTAssertEqual(try ledger.recordResult(JobAttempt(job: lease.job, attempt: 2), worker: "w2", summary: "{}", stateDict: [8], now: t(14)),
                       .dropped(reason: "job '\(lease.job)' is already done"))
        XCTAssertEqual(try ledger.result(job: lease.job)?.stateDict, [7])
        XCTAssertEqual(try ledger.leases(worker: "w2"), [])
    }

    func testFailureReportsRequeueOnceAndRepeatsAreDropped() throws {
        let ledger = try ledgerWithSweep()
        let lease = try XCTUnwrap(ledger.leaseNextJob(worker: "w1", now: t(0), leaseSeconds: 10))
        let attempt = JobAttempt(job: lease.job, attempt: 1)
        XCTAssertNil(try ledger.recordFailure(attempt, worker: "w2", reason: "not mine", now: t(1)))
        XCTAssertEqual(try ledger.recordFailure(attempt, worker: "w1", reason: "loss is NaN", now: t(1)),
                       EndedAttempt(attempt: attempt, worker: "w1", outcome: .failed, jobFailed: false, reason: "loss is NaN"))
        XCTAssertNil(try ledger.recordFailure(attempt, worker: "w1", reason: "loss is NaN", now: t(2)), "a resent FAILED is dropped")
        XCTAssertEqual(try ledger.job(lease.job).state, .queued)
        XCTAssertEqual(try ledger.leaseNextJob(worker: "w1", now: t(3), leaseSeconds: 10)?.job, lease.job, "requeued at the front")
    }

    func testALostWorkerReleasesItsJobAndComesBackAlive() throws {
        let ledger = try ledgerWithSweep()
        XCTAssertNil(try ledger.workerConnected(hello("w1"), now: t(0)))
        let lease = try XCTUnwrap(ledger.leaseNextJob(worker: "w1", now: t(0), leaseSeconds: 60))
        XCTAssertEqual(try ledger.recordHeartbeat(worker: "w1", WorkerHeartbeat(job: lease.job, attempt: 1, epoch: 2), now: t(1), leaseSeconds: 60),
                       .renewed(until: t(61)))
        let record = try XCTUnwrap(ledger.workers().first)
        XCTAssertEqual([record.job, record.attempt.map(String.init), record.epoch.map(String.init)], [lease.job, "1", "2"])
        XCTAssertEqual(record.lastBeat, t(1))
        XCTAssertEqual(try ledger.workerLost("w1", state: .dead, reason: "silent for 3 s", now: t(4)).map(\.outcome), [.workerLost])
        XCTAssertEqual(try ledger.job(lease.job).state, .queued)
        XCTAssertEqual(try ledger.attempts(job: lease.job).first?.reason, "worker w1 silent for 3 s")
        XCTAssertEqual(try ledger.workers().first?.state, .dead)
        XCTAssertNil(try ledger.workers().first?.job)
        XCTAssertEqual(try ledger.workerConnected(hello("w1"), now: t(5)), .dead)
        XCTAssertEqual(try ledger.workers().first?.state, .alive)
    }

    func testProgressIsRecordedForRunningAttemptsOnly() throws {
        let ledger = try ledgerWithSweep()
        let lease = try XCTUnwrap(ledger.leaseNextJob(worker: "w1", now: t(0), leaseSeconds: 10))
        let record = EpochRecord(epoch: 0, trainLoss: 1.5, trainAccuracy: 0.5, valLoss: .nan, learningRate: 0.1, seconds: 1)
        let progress = JobProgress(job: lease.job, attempt: 1, epochs: 3, samplesPerSecond: 50, record: record)
        XCTAssertTrue(try ledger.recordProgress(progress, worker: "w1", now: t(1)))
        XCTAssertFalse(try ledger.recordProgress(progress, worker: "w2", now: t(1)))
        XCTAssertEqual(try ledger.progress(job: lease.job, attempt: 1).map(\.metrics),
                       [#"{"epoch":0,"learningRate":0.1,"seconds":1,"trainAccuracy":0.5,"trainLoss":1.5,"valLoss":"nan"}"#])
    }

    /// What a killed coordinator leaves on disk is the database file and its write-ahead log as
    /// they were: copying both while the ledger is open gives exactly that. A new process on the
    /// copy sees every committed change and carries on: leases are extended for reconnecting
    /// workers, expire into the next attempt, and results survive with their bytes.
    func testAProcessRestartedOnTheSameFileContinuesTheSweep() throws {
        let ledger = try ledgerWithSweep("live.sqlite", maxAttempts: 3)
        let kept = try XCTUnwrap(ledger.leaseNextJob(worker: "w1", now: t(0), leaseSeconds: 10))
        let lost = try XCTUnwrap(ledger.leaseNextJob(worker: "w2", now: t(0), leaseSeconds: 10))
        let done = try XCTUnwrap(ledger.leaseNextJob(worker: "w3", now: t(0), leaseSeconds: 10))
        _ = try ledger.recordResult(JobAttempt(job: done.job, attempt: 1), worker: "w3", summary: #"{"f1":0.5}"#, stateDict: [9, 9], now: t(2))

        let crashed = directory.file("crashed.sqlite")
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: directory.file("live.sqlite") + suffix) {
            try FileManager.default.copyItem(atPath: directory.file("live.sqlite") + suffix, toPath: crashed + suffix)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: crashed + "-wal"), "the changes are in the WAL, not yet checkpointed")

        let restarted = try Ledger(path: crashed)
        XCTAssertEqual(try restarted.unfinishedSweeps(), ["s1"])
        XCTAssertEqual(try restarted.sweepStatus("s1"),
                       SweepStatus(id: "s1", name: "demo", dataset: digest, finished: false, queued: 1, leased: 2, done: 1, failed: 0))
        XCTAssertEqual(try restarted.result(job: done.job)?.stateDict, [9, 9])
        XCTAssertEqual(try restarted.extendLeasesAfterRestart(now: t(60), leaseSeconds: 10), 2)
        // w1 reconnects and heartbeats its attempt; w2 never comes back.
        XCTAssertEqual(try restarted.recordHeartbeat(worker: "w1", WorkerHeartbeat(job: kept.job, attempt: 1), now: t(65), leaseSeconds: 10),
                       .renewed(until: t(75)))
        XCTAssertEqual(try restarted.expireLeases(now: t(70)).map(\.attempt), [JobAttempt(job: lost.job, attempt: 1)])
        let next = try XCTUnwrap(restarted.leaseNextJob(worker: "w4", now: t(71), leaseSeconds: 10))
        XCTAssertEqual([next.job, String(next.attempt)], [lost.job, "2"])
        XCTAssertEqual(try restarted.recordResult(JobAttempt(job: kept.job, attempt: 1), worker: "w1", summary: "{}", stateDict: [], now: t(72)),
                       .accepted(superseded: []))
    }

    func testASweepFinishesWhenEveryJobIsDoneOrFailed() throws {
        let ledger = try ledgerWithSweep(maxAttempts: 1)
        for index in 0..<4 {
            let lease = try XCTUnwrap(ledger.leaseNextJob(worker: "w\(index)", now: t(0), leaseSeconds: 10))
            if index == 3 {
                XCTAssertEqual(try ledger.recordFailure(JobAttempt(job: lease.job, attempt: 1), worker: "w3", reason: "out of memory", now: t(1))?.jobFailed, true)
            } else {
                _ = try ledger.recordResult(JobAttempt(job: lease.job, attempt: 1), worker: "w\(index)", summary: "{}", stateDict: [], now: t(1))
            }
            XCTAssertEqual(try ledger.sweepStatus("s1").finished, index == 3)
        }
        XCTAssertEqual(try ledger.unfinishedSweeps(), [])
        XCTAssertEqual(try ledger.jobs(sweep: "s1").map(\.state), [.done, .done, .done, .failed])
        XCTAssertEqual(try ledger.jobs(sweep: "s1").last?.failure, "attempt 1 of 1: out of memory")
    }

    /// A refit added to an ended sweep opens it until the refit ends; the sweep keeps the end
    /// time of its comparison, and a repeated request adds nothing.
    func testARefitAddedToAnEndedSweepOpensItUntilItEnds() throws {
        let ledger = try ledgerWithSweep(maxAttempts: 1)
        for index in 0..<4 {
            let lease = try XCTUnwrap(ledger.leaseNextJob(worker: "w\(index)", now: t(0), leaseSeconds: 10))
            _ = try ledger.recordResult(JobAttempt(job: lease.job, attempt: 1), worker: "w\(index)", summary: "{}", stateDict: [], now: t(1))
        }
        let refit = NewJob(model: "a", fold: -1, path: "a/refit", spec: "{}")
        XCTAssertTrue(try ledger.addJob(refit, sweep: "s1", maxAttempts: 1, now: t(5)))
        XCTAssertFalse(try ledger.addJob(refit, sweep: "s1", maxAttempts: 1, now: t(6)))
        XCTAssertThrowsError(try ledger.addJob(refit, sweep: "nope", maxAttempts: 1, now: t(6)))
        XCTAssertEqual(try ledger.sweepStatus("s1").finished, false)
        XCTAssertEqual(try ledger.unfinishedSweeps(), ["s1"])
        let lease = try XCTUnwrap(ledger.leaseNextJob(worker: "w0", now: t(7), leaseSeconds: 10))
        XCTAssertEqual(lease.job, "s1/a/refit")
        _ = try ledger.recordResult(JobAttempt(job: lease.job, attempt: 1), worker: "w0", summary: "{}", stateDict: [], now: t(9))
        XCTAssertEqual(try ledger.sweepStatus("s1").finished, true)
        XCTAssertEqual(try ledger.sweeps().first?.ended, t(1), "the comparison's end")
        XCTAssertEqual(try ledger.sweepStatus("s1").done, 5)
    }

    func testALedgerOfAnotherSchemaVersionIsRefusedByName() throws {
        let path = directory.file("future.sqlite")
        _ = try Ledger(path: path)
        try SQLiteDatabase(path: path).setUserVersion(99)
        XCTAssertThrowsError(try Ledger(path: path)) {
            XCTAssertEqual(String(describing: $0), "\(path): ledger schema version 99, this program reads version 3: "
                       + "finish its sweeps with the SpectroFold that wrote it, or start this one on a new state directory")
        }
    }

    /// A version-2 ledger (no job costs) is migrated in place: its jobs cost one unit each.
    func testAVersionTwoLedgerGainsJobCostsOfOneUnit() throws {
        let path = directory.file("ledger.sqlite")
        _ = try ledgerWithSweep()
        let old = try SQLiteDatabase(path: path)
        try old.execute("ALTER TABLE jobs DROP COLUMN cost")
        try old.setUserVersion(2)
        let ledger = try Ledger(path: path)
        XCTAssertEqual(try ledger.jobs(sweep: "s1").map(\.cost), [1, 1, 1, 1])
        XCTAssertEqual(try ledger.leaseNextJob(worker: "w1", now: t(0), leaseSeconds: 10)?.job, "s1/a/fold-0", "equal costs: creation order")
    }

    /// The costliest queued job goes first; once jobs of a model have finished, their measured
    /// seconds per cost unit reorder the queue.
    func testTheLongestExpectedJobIsLeasedFirstAtTheSweepsMeasuredPace() throws {
        let ledger = try Ledger(path: directory.file("ledger.sqlite"))
        let jobs = [NewJob(model: "a", fold: 0, spec: "{}", cost: 2), NewJob(model: "b", fold: 0, spec: "{}", cost: 1.9),
                    NewJob(model: "a", fold: 1, spec: "{}", cost: 1), NewJob(model: "b", fold: 1, spec: "{}", cost: 1.5)]
        try ledger.createSweep(id: "s1", name: "demo", dataset: digest, configuration: "{}", jobs: jobs, maxAttempts: 3, now: t0)
        XCTAssertEqual(try ledger.leaseNextJob(worker: "w1", now: t(0), leaseSeconds: 60)?.job, "s1/a/fold-0")
        XCTAssertEqual(try ledger.leaseNextJob(worker: "w2", now: t(0), leaseSeconds: 60)?.job, "s1/b/fold-0")
        XCTAssertEqual(try ledger.durations(sweep: "s1"), JobDurations([]))
        // a: 40 s for 2 units; b: 1.9 s for 1.9 units (times stored as seconds since 1970: 1e-7 s apart).
        _ = try ledger.recordResult(JobAttempt(job: "s1/b/fold-0", attempt: 1), worker: "w2", summary: "{}", stateDict: [], now: t(1.9))
        _ = try ledger.recordResult(JobAttempt(job: "s1/a/fold-0", attempt: 1), worker: "w1", summary: "{}", stateDict: [], now: t(40))
        let durations = try ledger.durations(sweep: "s1")
        XCTAssertEqual(try XCTUnwrap(durations.seconds(model: "a", cost: 1)), 20, accuracy: 1e-5)
        XCTAssertEqual(try XCTUnwrap(durations.seconds(model: "b", cost: 1.5)), 1.5, accuracy: 1e-5)
        XCTAssertEqual(try ledger.leaseNextJob(worker: "w1", now: t(41), leaseSeconds: 60)?.job, "s1/a/fold-1",
                       "20 s expected against 1.5 s, though it costs fewer units")
    }
}
