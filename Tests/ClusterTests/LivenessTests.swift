import Cluster
import Foundation
import TestSupport
import XCTest

final class LivenessTests: XCTestCase {
    private let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    private func t(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    func testWorkersDieAfterTheSilenceLimitAndComeBack() {
        var tracker = LivenessTracker(heartbeatInterval: 1, livenessIntervals: 3)
        XCTAssertEqual(tracker.heard(from: "w1", at: t(0), reason: "HELLO"),
                       LivenessChange(worker: "w1", from: nil, to: .alive, time: t(0), reason: "HELLO"))
        XCTAssertNil(tracker.heard(from: "w1", at: t(1), reason: "HEARTBEAT"))
        XCTAssertNotNil(tracker.heard(from: "w2", at: t(1), reason: "HELLO"))
        XCTAssertEqual(tracker.expire(now: t(3.9)), [])
        XCTAssertEqual(tracker.expire(now: t(4)), [
            LivenessChange(worker: "w1", from: .alive, to: .dead, time: t(4), reason: "silent for 3.0 s"),
            LivenessChange(worker: "w2", from: .alive, to: .dead, time: t(4), reason: "silent for 3.0 s"),
        ])
        XCTAssertEqual(tracker.expire(now: t(10)), [], "a dead worker dies once")
        XCTAssertEqual(tracker.heard(from: "w1", at: t(11), reason: "HELLO")?.from, .dead)
        XCTAssertEqual(tracker.aliveWorkers, ["w1"])
        XCTAssertEqual(tracker.left("w1", at: t(12), reason: "BYE"),
                       LivenessChange(worker: "w1", from: .alive, to: .gone, time: t(12), reason: "BYE"))
        XCTAssertNil(tracker.left("w1", at: t(13), reason: "BYE"))
        XCTAssertEqual(tracker.state(of: "w2"), .dead)
    }

    func testHeartbeatLogWritesOneJSONLinePerEventAndAppends() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("heartbeats.jsonl")
        do {
            let log = try HeartbeatLog(path: path)
            try log.record(LivenessChange(worker: "w1", from: nil, to: .alive, time: t(0), reason: "HELLO"))
            try log.record(HeartbeatLog.Status(worker: "w1", state: .alive, lastBeat: t(0.5), job: "s1/ast/fold-0", attempt: 2,
                                               epoch: 3, samplesPerSecond: 118.5), now: t(1.25))
        }
        let reopened = try HeartbeatLog(path: path)
        try reopened.record(LivenessChange(worker: "w1", from: .alive, to: .dead, time: t(4), reason: "silent for 3.0 s"))
        try reopened.record(HeartbeatLog.Status(worker: "w2", state: .alive, lastBeat: t(4), job: nil, attempt: nil, epoch: nil,
                                                samplesPerSecond: nil), now: t(4))

        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4)
        XCTAssertEqual(lines[0], #"{"event":"liveness","reason":"HELLO","time":"2027-01-15T08:00:00.000Z","to":"alive","worker":"w1"}"#)
        XCTAssertEqual(lines[1], #"{"attempt":2,"epoch":3,"event":"status","job":"s1/ast/fold-0","last_beat":"2027-01-15T08:00:00.500Z","#
                       + #""samples_per_second":118.5,"silent_s":0.75,"state":"alive","time":"2027-01-15T08:00:01.250Z","worker":"w1"}"#)
        XCTAssertEqual(lines[2], #"{"event":"liveness","from":"alive","reason":"silent for 3.0 s","time":"2027-01-15T08:00:04.000Z","to":"dead","worker":"w1"}"#)
        XCTAssertEqual(lines[3], #"{"event":"status","last_beat":"2027-01-15T08:00:04.000Z","silent_s":0,"state":"alive","time":"2027-01-15T08:00:04.000Z","worker":"w2"}"#)
        XCTAssertThrowsError(try HeartbeatLog(path: directory.file("missing/heartbeats.jsonl"))) {
            XCTAssertTrue(String(describing: $0).contains("missing/heartbeats.jsonl: cannot open the heartbeat log"), "\($0)")
        }
    }
}
