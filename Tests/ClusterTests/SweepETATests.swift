import Cluster
import XCTest

/// The ETA `spectrofold status` shows: finished jobs give the pace; before any has finished,
/// running jobs' epochs do; the work left is shared by the live workers.
final class SweepETATests: XCTestCase {
    private func running(elapsed: Double, done: Int, of epochs: Int?) -> StatusReport.RunningJob {
        StatusReport.RunningJob(job: "s/m/fold-0", attempt: 1, worker: "w", epochsDone: done, epochs: epochs, elapsedSeconds: elapsed)
    }

    func testFinishedJobsSetThePace() {
        // Mean job 30 s; 4 queued and one running for 10 s: (4 × 30 + 20) / 2 workers.
        XCTAssertEqual(SweepETA.seconds(jobSeconds: [20, 40], running: [running(elapsed: 10, done: 1, of: 10)], queued: 4, workers: 2), 70)
    }

    func testRunningEpochsExtrapolateBeforeAnyJobFinished() {
        // 2 of 8 epochs in 10 s: a job takes 40 s; 30 s left of it and 3 queued jobs on one worker.
        XCTAssertEqual(SweepETA.seconds(jobSeconds: [], running: [running(elapsed: 10, done: 2, of: 8)], queued: 3, workers: 1), 150)
    }

    func testNothingToGoOnIsUnknownAndNoWorkersCountsAsOne() {
        XCTAssertNil(SweepETA.seconds(jobSeconds: [], running: [running(elapsed: 5, done: 0, of: 8)], queued: 3, workers: 2))
        XCTAssertEqual(SweepETA.seconds(jobSeconds: [10], running: [], queued: 2, workers: 0), 20)
        XCTAssertEqual(SweepETA.seconds(jobSeconds: [], running: [], queued: 0, workers: 1), 0)
    }
}
