import Cluster
import XCTest

/// The ETA `spectrofold status` shows: the coordinator's own schedule played out (running jobs
/// first, then the queued ones longest first, each to the worker free soonest), so a long job
/// at the end counts in full; and the expected durations it schedules with.
final class SweepETATests: XCTestCase {
    func testALongJobAtTheEndIsNotSharedAmongWorkers() {
        // 40 s on one worker while the other runs both 10 s jobs: 40 s, not (40 + 10 + 10) / 2.
        XCTAssertEqual(SweepETA.seconds(queued: [10, 40, 10], runningLeft: [], workers: 2), 40)
    }

    func testRunningJobsFinishFirstThenQueuedJobsGoToTheWorkerFreeSoonest() {
        // Worker 1: 20 s left; worker 2: 10 + 10 s.
        XCTAssertEqual(SweepETA.seconds(queued: [10, 10], runningLeft: [20], workers: 2), 20)
        // A job past its expected time has nothing left, not a negative time.
        XCTAssertEqual(SweepETA.seconds(queued: [5], runningLeft: [-3], workers: 1), 5)
    }

    func testNoWorkersCountsAsOneAndNothingLeftIsZero() {
        XCTAssertEqual(SweepETA.seconds(queued: [10, 10], runningLeft: [], workers: 0), 20)
        XCTAssertEqual(SweepETA.seconds(queued: [], runningLeft: [], workers: 3), 0)
    }

    func testDurationsScaleCostsByTheModelsPaceOrElseTheSweepsPace() {
        let durations = JobDurations([.init(model: "a", cost: 2, seconds: 40), .init(model: "b", cost: 1, seconds: 4),
                                      .init(model: "b", cost: 3, seconds: 12)])
        XCTAssertEqual(durations.seconds(model: "a", cost: 1), 20)
        XCTAssertEqual(durations.seconds(model: "b", cost: 2), 8)
        XCTAssertEqual(durations.seconds(model: "c", cost: 1), 56.0 / 6, "an unmeasured model: all measured seconds over all units")
        XCTAssertFalse(JobDurations([]).isCalibrated)
        XCTAssertNil(JobDurations([]).seconds(model: "a", cost: 1))
    }
}
