import Cluster
import Foundation
import TestSupport
import XCTest

/// CURVE and the allow-list, and hostile input, against the real coordinator process.
final class ClusterSecurityTests: ClusterProcessTestCase {
    func testAWorkerWithoutAnAllowedKeyGetsNoJob() throws {
        for name in ["coordinator", "w1", "w2", "client"] {
            let made = try ChildProcess.run(try BuiltProducts.executable("spectrofold"), arguments: ["keys", "generate", "--out", key(name)])
            XCTAssertEqual(made.status, 0, made.standardError)
        }
        let allowed = try [key("w1"), key("client")].map { try String(contentsOfFile: $0 + ".pub", encoding: .utf8) }.joined()
        try allowed.write(toFile: key("allowed"), atomically: true, encoding: .utf8)
        try harness.startCoordinator(["--curve-secret", key("coordinator") + ".key", "--allow", key("allowed")])
        for worker in ["w1", "w2"] {
            try harness.startWorker(worker, ["--curve-server-key", key("coordinator") + ".pub", "--curve-secret", key(worker) + ".key"])
        }
        try harness.submit(models: ["baseline_cnn", "cnn_mlp"], folds: 2, epochs: 2,
                           ["--curve-server-key", key("coordinator") + ".pub", "--curve-secret", key("client") + ".key"])
        XCTAssertEqual(try harness.waitForExit("submit", timeout: 600), 0, harness.logTails())
        let attempts = try harness.checkSweepCompleted(jobs: 4)
        XCTAssertEqual(Set(attempts.map(\.worker)), ["w1"], "only the allowed worker trains")
        XCTAssertEqual(try harness.ledger().query("SELECT id FROM workers").map { $0["id"].string ?? "" }, ["w1"], "w2 never got in")
        let w2Key = try String(contentsOfFile: key("w2") + ".pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(harness.log("coordinator").contains("ZAP: refused CURVE client \(w2Key)"), harness.log("coordinator"))
        // A client without keys gets no answer at all.
        XCTAssertThrowsError(try ClusterClient(endpoint: harness.endpoint, security: nil, timeout: 2).status())
    }

    func testHostileFramesLeaveTheCoordinatorAndTheSweepIntact() throws {
        try harness.startCoordinator(["--max-payload-mib", "16"])
        try harness.startWorker("w1")
        try harness.submit(models: ["baseline_cnn"], folds: 2, epochs: 12)
        _ = try harness.waitUntilTraining("w1", epochs: 1)

        let context = try ZMQContext()
        defer { context.terminate() }
        let attacker = try ZMQSocket(context: context, type: .dealer)
        defer { attacker.close() }
        try attacker.set(.linger(milliseconds: 0))
        try attacker.connect(harness.endpoint)
        var generator = SystemRandomNumberGenerator()
        let hello = ProtocolCodec.encode(WorkerMessage.hello(WorkerHello(worker: "intruder", host: "h", cores: 1, version: "v", datasets: [])))
        for round in 0..<300 {
            switch round % 5 {
            case 0: _ = try attacker.send((0..<Int.random(in: 1...8, using: &generator)).map { _ in
                (0..<Int.random(in: 0...300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) } })
            case 1: _ = try attacker.send(Array(hello.prefix(Int.random(in: 1...2, using: &generator))))
            case 2: _ = try attacker.send([hello[0], hello[1], Array(hello[2].prefix(Int.random(in: 0..<hello[2].count, using: &generator)))])
            case 3: _ = try attacker.send([hello[0], Array("RESULT".utf8), Array(#"{"job":"x","attempt":1,"summaryBytes":5,"stateDictBytes":9}"#.utf8)])
            default: _ = try attacker.send([hello[0], Array("SUBMIT".utf8), Array("{}".utf8), Array("[]".utf8)])
            }
        }
        // A heartbeat from a peer that never said HELLO is told to reconnect; a bad plan is refused.
        _ = try attacker.send(ProtocolCodec.encode(WorkerMessage.heartbeat(WorkerHeartbeat())))
        var replies: [String] = []
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, !(replies.contains("DISCONNECT") && replies.contains("REFUSED")) {
            if try attacker.waitForInput(timeoutMilliseconds: 200), let reply = try attacker.receive(maxFrames: 8, wait: false),
               reply.frames.count > 1 {
                replies.append(String(decoding: reply.frames[1], as: UTF8.self))
            }
        }
        XCTAssertTrue(replies.contains("DISCONNECT") && replies.contains("REFUSED"), "\(Set(replies))")
        // A frame over the size limit makes libzmq drop the sender's connection before decoding.
        let flooder = try ZMQSocket(context: context, type: .dealer)
        defer { flooder.close() }
        try flooder.set(.linger(milliseconds: 0))
        try flooder.connect(harness.endpoint)
        _ = try flooder.send([hello[0], Array("RESULT".utf8), [UInt8](repeating: 0x7b, count: 20 << 20)])

        XCTAssertEqual(try harness.waitForExit("submit", timeout: 600), 0, harness.logTails())
        XCTAssertTrue(harness.isRunning("coordinator"), "the coordinator is still running")
        try harness.checkSweepCompleted(jobs: 2)
        let log = harness.log("coordinator")
        XCTAssertTrue(log.contains("unknown protocol version") && log.contains("payload frames, expected"), log)
        XCTAssertTrue(try harness.status().workers.map(\.id) == ["w1"], "no intruder among the workers")
    }

    /// A state dict over the coordinator's payload limit would cost the worker its connection
    /// (libzmq drops oversized frames); the worker reports the job FAILED with the reason instead.
    func testAResultOverTheCoordinatorsLimitFailsTheJobWithTheReason() throws {
        try harness.startCoordinator(["--max-payload-mib", "2", "--max-attempts", "1"])
        try harness.startWorker("w1")
        try harness.submit(models: ["baseline_cnn"], folds: 2, epochs: 1)
        XCTAssertEqual(try harness.waitForExit("submit", timeout: 300), 1, harness.logTails())
        XCTAssertTrue(harness.log("submit").contains("over the coordinator's limit of 2097152 bytes (raise spectrofold-coordinator --max-payload-mib)"),
                      harness.log("submit"))
        XCTAssertEqual(try harness.status().workers.map(\.state), ["alive"], "the worker kept its connection")
    }

    private func key(_ name: String) -> String { harness.directory.file("keys-\(name)") }
}
