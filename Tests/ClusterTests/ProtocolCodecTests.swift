import Cluster
import Random
import RunRecords
import XCTest

final class ProtocolCodecTests: XCTestCase {
    static let digest = String(repeating: "ab", count: 32)

    /// One message of every kind, each direction.
    static let workerMessages: [WorkerMessage] = [
        .hello(WorkerHello(worker: "w1", host: "host-a", cores: 2, version: "0.1.0", datasets: [digest], blas: "Cooperlake")),
        .heartbeat(WorkerHeartbeat()),
        .heartbeat(WorkerHeartbeat(job: "s1/ast/fold-0", attempt: 2, epoch: 3)),
        .fetch(ChunkRequest(digest: digest, chunk: 7)),
        .progress(JobProgress(job: "s1/ast/fold-0", attempt: 1, epochs: 5, samplesPerSecond: 123.5,
                              record: EpochRecord(epoch: 0, trainLoss: 0.75, trainAccuracy: 0.25, valLoss: .nan, valAccuracy: 0.5,
                                                  learningRate: 1e-3, seconds: 2))),
        .result(JobResult(job: "s1/ast/fold-0", attempt: 1, summary: Array(#"{"best_epoch":3}"#.utf8), stateDict: [0, 1, 2, 255])),
        .failed(JobFailure(job: "s1/ast/fold-0", attempt: 3, reason: "loss is NaN at epoch 2")),
        .bye,
    ]

    static let coordinatorMessages: [CoordinatorMessage] = [
        .welcome(Welcome(worker: "w1", heartbeatMilliseconds: 1000, livenessIntervals: 3, chunkBytes: 1 << 20, maxPayloadBytes: 1 << 26)),
        .heartbeat,
        .assign(Assignment(job: "s1/cnn_mlp/fold-2", attempt: 1, dataset: digest, datasetBytes: 5_000_000, chunkCount: 5,
                           spec: Array(#"{"model":"cnn_mlp","fold":2}"#.utf8))),
        .assign(Assignment(job: "s1/ast/fold-0", attempt: 2, dataset: digest, datasetBytes: 5_000_000, chunkCount: 5,
                           files: [StoredFile(digest: String(repeating: "ab", count: 32), bytes: 22_000_000)],
                           spec: Array(#"{"model":"ast","fold":0}"#.utf8))),
        .chunk(DatasetChunk(digest: digest, chunk: 4, chunkCount: 5, bytes: [9, 8, 7])),
        .ack(JobAttempt(job: "s1/cnn_mlp/fold-2", attempt: 1)),
        .cancel(Cancellation(job: "s1/cnn_mlp/fold-2", attempt: 1, reason: "job finished on another worker")),
        .disconnect(Disconnect(reason: "coordinator shutting down")),
    ]

    func testEveryMessageRoundTrips() throws {
        for message in Self.workerMessages {
            let decoded = try ProtocolCodec.decodeWorkerMessage(ProtocolCodec.encode(message))
            if case .progress(let sent) = message, case .progress(let got) = decoded {
                // NaN != NaN: compare the other figures and check the NaN came back one.
                XCTAssertTrue(got.record.valLoss!.isNaN)
                var (gotRecord, sentRecord) = (got.record, sent.record)
                (gotRecord.valLoss, sentRecord.valLoss) = (nil, nil)
                XCTAssertEqual(gotRecord, sentRecord)
                XCTAssertEqual(got.samplesPerSecond, sent.samplesPerSecond)
            } else {
                XCTAssertEqual(decoded, message)
            }
        }
        for message in Self.coordinatorMessages {
            XCTAssertEqual(try ProtocolCodec.decodeCoordinatorMessage(ProtocolCodec.encode(message)), message)
        }
    }

    func testClientMessagesRoundTripAndKeepToTheirDirection() throws {
        let requests: [ClientRequest] = [
            .submit(Submission(sweep: "demo-0a1b2c3d", dataset: Self.digest, datasetBytes: 12, plan: Array(#"{"id":"demo-0a1b2c3d"}"#.utf8))),
            .upload(DatasetChunk(digest: Self.digest, chunk: 0, chunkCount: 2, bytes: [1, 2, 3])),
            .status(StatusQuery()),
            .status(StatusQuery(sweep: "demo-0a1b2c3d")),
            .refit(RefitRequest(sweep: "demo-0a1b2c3d", model: "cnn_mlp")),
        ]
        let replies: [ClientReply] = [
            .submitted(SubmitReceipt(sweep: "demo-0a1b2c3d", created: true, missing: [], chunkBytes: 1 << 20)),
            .submitted(SubmitReceipt(sweep: "demo-0a1b2c3d", created: false, missing: [Self.digest], chunkBytes: 1 << 20)),
            .uploaded(UploadReceipt(digest: Self.digest, chunk: 1, complete: true)),
            .report(Array(#"{"sweeps":[]}"#.utf8)),
            .refused(Refusal(reason: "no sweep 'x' on this coordinator")),
        ]
        for request in requests { XCTAssertEqual(try ProtocolCodec.decodeClientRequest(ProtocolCodec.encode(request)), request) }
        for reply in replies { XCTAssertEqual(try ProtocolCodec.decodeClientReply(ProtocolCodec.encode(reply)), reply) }
        XCTAssertThrowsError(try ProtocolCodec.decodeWorkerMessage(ProtocolCodec.encode(requests[0]))) {
            XCTAssertEqual(String(describing: $0), "SUBMIT message: not accepted in this direction")
        }
        XCTAssertThrowsError(try ProtocolCodec.decodeClientRequest(ProtocolCodec.encode(WorkerMessage.bye)))
        XCTAssertThrowsError(try ProtocolCodec.decodeClientRequest(frames("SUBMIT", #"{"sweep":"s","dataset":"\#(Self.digest)","datasetBytes":1}"#,
                                                                         [Array("[1]".utf8)]))) {
            XCTAssertEqual(String(describing: $0), "SUBMIT message: payload 'plan' is not a JSON object (3 bytes)")
        }
        // A sweep id names a folder on the coordinator: never a path.
        for hostile in ["../x", "a/b", ".hidden"] {
            XCTAssertThrowsError(try ProtocolCodec.decodeClientRequest(ProtocolCodec.encode(.refit(RefitRequest(sweep: hostile, model: "ast"))))) {
                XCTAssertTrue(String(describing: $0).contains("is not a sweep id"), "\($0)")
            }
            XCTAssertThrowsError(try ProtocolCodec.decodeClientRequest(ProtocolCodec.encode(
                .submit(Submission(sweep: hostile, dataset: Self.digest, datasetBytes: 1, plan: Array("{}".utf8))))))
        }
    }

    func testWireLayoutIsVersionCommandHeaderPayloads() {
        let frames = ProtocolCodec.encode(WorkerMessage.heartbeat(WorkerHeartbeat(job: "j", attempt: 2)))
        XCTAssertEqual(frames.map { String(decoding: $0, as: UTF8.self) },
                       ["SPECTROFOLD/1", "HEARTBEAT", #"{"attempt":2,"job":"j"}"#])
        let result = ProtocolCodec.encode(WorkerMessage.result(JobResult(job: "j", attempt: 1, summary: Array("{}".utf8), stateDict: [1, 2])))
        XCTAssertEqual(result.count, 5)
        XCTAssertEqual(String(decoding: result[2], as: UTF8.self), #"{"attempt":1,"job":"j","stateDictBytes":2,"summaryBytes":2}"#)
        XCTAssertEqual(result[4], [1, 2])
    }

    /// Frames built from strings.
    /// Non-finite numbers are written "inf", "-inf", "nan" and read in that spelling or in
    /// protobuf JSON's ("Infinity", "NaN"), which earlier versions wrote in headers.
    func testNonFiniteNumbersAreWrittenOneWayAndReadInEither() throws {
        let record = EpochRecord(epoch: 0, trainLoss: .infinity, trainAccuracy: 0, valLoss: .nan, learningRate: 0.1, seconds: 1)
        let written = ProtocolCodec.encode(.progress(JobProgress(job: "j", attempt: 1, epochs: 2, samplesPerSecond: 1, record: record)))
        let header = String(decoding: written[2], as: UTF8.self)
        XCTAssertTrue(header.contains(#""trainLoss":"inf""#) && header.contains(#""valLoss":"nan""#), header)
        for (infinity, nan) in [("inf", "nan"), ("Infinity", "NaN")] {
            let figures = #""epoch":0,"learningRate":0.1,"seconds":1,"trainAccuracy":0,"trainLoss":"\#(infinity)","valLoss":"\#(nan)""#
            guard case .progress(let progress) = try ProtocolCodec.decodeWorkerMessage(
                frames("PROGRESS", #"{"job":"j","attempt":1,"epochs":2,"samplesPerSecond":1,"record":{"# + figures + "}}")) else {
                return XCTFail("not PROGRESS")
            }
            XCTAssertEqual(progress.record.trainLoss, .infinity, infinity)
            XCTAssertTrue(progress.record.valLoss?.isNaN == true, nan)
        }
    }

    private func frames(_ command: String, _ header: String, _ payloads: [[UInt8]] = []) -> [[UInt8]] {
        [Array(ProtocolCodec.version.utf8), Array(command.utf8), Array(header.utf8)] + payloads
    }

    private func assertWorkerError(_ frames: [[UInt8]], discarded: Int = 0, maxPayload: Int = ProtocolCodec.defaultMaxPayloadBytes,
                                   _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ProtocolCodec.decodeWorkerMessage(frames, discardedFrames: discarded, maxPayloadBytes: maxPayload),
                             file: file, line: line) { error in
            XCTAssertTrue(error is ProtocolError, "\(type(of: error))", file: file, line: line)
            XCTAssertEqual(String(describing: error), expected, file: file, line: line)
        }
    }

    func testErrorsNameTheMessageAndTheFault() {
        assertWorkerError([], "message: no frames")
        assertWorkerError([Array("SPECTROFOLD/0".utf8), Array("HELLO".utf8), []],
                          "message: unknown protocol version 'SPECTROFOLD/0' (expected SPECTROFOLD/1)")
        assertWorkerError([[0xff, 0x00, 0x10]], "message: unknown protocol version 0xff0010 (expected SPECTROFOLD/1)")
        assertWorkerError([Array(ProtocolCodec.version.utf8)], "message: 1 frames, at least 3 needed (version, command, header)")
        assertWorkerError(frames("HELO", "{}"), "message: unknown command 'HELO'")
        assertWorkerError(frames("ASSIGN", "{}"), "ASSIGN message: not accepted in this direction")
        assertWorkerError(Array(frames("HELLO", "{}").prefix(2)), "HELLO message: 2 frames, at least 3 needed (version, command, header)")
        assertWorkerError(frames("BYE", "{}", [[1]]), "BYE message: 1 payload frames, expected 0")
        assertWorkerError(frames("BYE", "{}"), discarded: 4, "BYE message: 4 payload frames, expected 0")
        assertWorkerError(frames("RESULT", #"{"job":"j","attempt":1,"summaryBytes":2,"stateDictBytes":1}"#, [Array("{}".utf8)]),
                          "RESULT message: 1 payload frames, expected 2")
        assertWorkerError(frames("HELLO", "{" + String(repeating: " ", count: ProtocolCodec.maxHeaderBytes) + "}"),
                          "HELLO message: frame 2 is 65538 bytes, over the limit of 65536")
        assertWorkerError(frames("RESULT", #"{"job":"j","attempt":1,"summaryBytes":2,"stateDictBytes":11}"#,
                                 [Array("{}".utf8), [UInt8](repeating: 0, count: 11)]),
                          maxPayload: 10, "RESULT message: frame 4 is 11 bytes, over the limit of 10")
        assertWorkerError(frames("HELLO", #"{"worker": "w1", "#), "HELLO message: header is not a valid JSON object: " +
                          (try! headerParseReason(#"{"worker": "w1", "#)))
        assertWorkerError(frames("HELLO", "[1, 2]"), "HELLO message: header is not a valid JSON object: not a JSON object")
        assertWorkerError(frames("HELLO", #"{"worker":"w1","host":"h","cores":2,"version":"1"}"#),
                          "HELLO message: header field 'datasets' is missing")
        assertWorkerError(frames("HELLO", #"{"worker":"w1","host":"h","cores":"two","version":"1","datasets":[]}"#),
                          "HELLO message: header field 'cores' is not an integer")
        assertWorkerError(frames("HELLO", #"{"worker":"w1","host":"h","cores":true,"version":"1","datasets":[]}"#),
                          "HELLO message: header field 'cores' is not an integer")
        assertWorkerError(frames("HELLO", #"{"worker":"w1","host":"h","cores":0,"version":"1","datasets":[]}"#),
                          "HELLO message: header field 'cores' is 0, must be at least 1")
        assertWorkerError(frames("HELLO", #"{"worker":"w1","host":"h","cores":1,"version":"1","datasets":["XYZ"]}"#),
                          "HELLO message: header field 'datasets.0' is not a digest (16 to 128 lowercase hex digits): 'XYZ'")
        assertWorkerError(frames("HEARTBEAT", #"{"job":"j"}"#), "HEARTBEAT message: header field 'attempt' is missing while 'job' is given")
        let figures = #""learningRate":0.1,"seconds":1,"trainAccuracy":0"#
        assertWorkerError(frames("PROGRESS", #"{"job":"j","attempt":1,"epochs":1,"samplesPerSecond":1,"record":{"# + figures + #","trainLoss":1,"epoch":1}}"#),
                          "PROGRESS message: header field 'record.epoch' is 1, not below epochs (1)")
        assertWorkerError(frames("PROGRESS", #"{"job":"j","attempt":1,"epochs":5,"samplesPerSecond":1,"record":{"# + figures + #","epoch":0,"trainLoss":"x"}}"#),
                          "PROGRESS message: header field 'record.trainLoss' is not a number")
        assertWorkerError(frames("FAILED", #"{"job":"","attempt":1,"reason":"r"}"#), "FAILED message: header field 'job' is empty")
        assertWorkerError(frames("RESULT", #"{"job":"j","attempt":1,"summaryBytes":3,"stateDictBytes":0}"#, [Array("[1]".utf8), []]),
                          "RESULT message: payload 'summary' is not a JSON object (3 bytes)")
        assertWorkerError(frames("RESULT", #"{"job":"j","attempt":1,"summaryBytes":2,"stateDictBytes":5}"#, [Array("{}".utf8), [1]]),
                          "RESULT message: header field 'stateDictBytes' is 5, but payload 'stateDict' has 1 bytes")
    }

    func testCoordinatorMessagesAreValidatedToo() {
        XCTAssertThrowsError(try ProtocolCodec.decodeCoordinatorMessage(frames("HELLO", "{}"))) {
            XCTAssertEqual(String(describing: $0), "HELLO message: not accepted in this direction")
        }
        XCTAssertThrowsError(try ProtocolCodec.decodeCoordinatorMessage(
            frames("CHUNK", #"{"digest":"\#(Self.digest)","chunk":5,"chunkCount":5}"#, [[1]]))) {
            XCTAssertEqual(String(describing: $0), "CHUNK message: header field 'chunk' is 5, not below chunkCount (5)")
        }
        XCTAssertThrowsError(try ProtocolCodec.decodeCoordinatorMessage(
            frames("ASSIGN", #"{"job":"j","attempt":1,"dataset":"\#(Self.digest)","datasetBytes":1,"chunkCount":1}"#, [Array("nope".utf8)]))) {
            XCTAssertEqual(String(describing: $0), "ASSIGN message: payload 'spec' is not a JSON object (4 bytes)")
        }
        XCTAssertThrowsError(try ProtocolCodec.decodeCoordinatorMessage(
            frames("ASSIGN", #"{"job":"j","attempt":1,"dataset":"\#(Self.digest)","datasetBytes":1,"chunkCount":1,"files":[{"digest":"x","bytes":1}]}"#,
                   [Array("{}".utf8)]))) {
            XCTAssertTrue(String(describing: $0).hasPrefix("ASSIGN message: header field 'files.digest' is not a digest"), "\($0)")
        }
    }

    /// What Foundation's JSON parser says about `text` (the codec passes it on).
    private func headerParseReason(_ text: String) throws -> String {
        do {
            _ = try JSONDecoder().decode(WorkerHello.self, from: Data(text.utf8))
            return "parsed"
        } catch DecodingError.dataCorrupted(let context) {
            return (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String ?? context.debugDescription
        }
    }

    /// An ASSIGN may claim any file size up to Int.max: the worker's chunk count for it must not
    /// overflow (it used to add chunkBytes - 1 to the size first).
    func testAnyAssignedFileSizeHasAChunkCount() throws {
        let assignment = Assignment(job: "j", attempt: 1, dataset: Self.digest, datasetBytes: 1, chunkCount: 1,
                                    files: [StoredFile(digest: Self.digest, bytes: Int.max)], spec: Array("{}".utf8))
        guard case .assign(let decoded) = try ProtocolCodec.decodeCoordinatorMessage(ProtocolCodec.encode(.assign(assignment))) else {
            return XCTFail("not an ASSIGN")
        }
        XCTAssertEqual(DatasetDirectory.chunkCount(size: decoded.files[0].bytes, chunkBytes: 1 << 20), Int.max >> 20 + 1)
        XCTAssertEqual(DatasetDirectory.chunkCount(size: 3 << 20, chunkBytes: 1 << 20), 3)
        XCTAssertEqual(DatasetDirectory.chunkCount(size: 0, chunkBytes: 1 << 20), 0)
    }

    /// Random frames, truncated and bit-flipped encodings of valid messages: every outcome is
    /// either a message or a `ProtocolError`, never a trap or another error. Seeded and bounded.
    func testSeededFuzzNeverTrapsAndOnlyThrowsProtocolErrors() {
        var random = RandomGenerator(seed: 0x5eed_c0de)
        let valid = Self.workerMessages.map { ProtocolCodec.encode($0) }
            + Self.coordinatorMessages.map { ProtocolCodec.encode($0) }
        var decodedCount = 0, rejectedCount = 0
        for round in 0..<4000 {
            var frames: [[UInt8]]
            switch round % 4 {
            case 0: // Random frames.
                frames = (0..<Int(random.next() % 7)).map { _ in random.bytes(count: Int(random.next() % 40)) }
            case 1: // A valid message cut short, frame-wise and byte-wise.
                frames = valid[Int(random.next() % UInt64(valid.count))]
                frames = Array(frames.prefix(Int(random.next() % UInt64(frames.count + 1))))
                if let last = frames.indices.last { frames[last] = Array(frames[last].prefix(Int(random.next() % UInt64(frames[last].count + 1)))) }
            case 2: // A valid message with a few bytes flipped.
                frames = valid[Int(random.next() % UInt64(valid.count))]
                for _ in 0..<(1 + Int(random.next() % 3)) {
                    let index = Int(random.next() % UInt64(frames.count))
                    guard !frames[index].isEmpty else { continue }
                    frames[index][Int(random.next() % UInt64(frames[index].count))] ^= UInt8(truncatingIfNeeded: random.next() | 1)
                }
            default: // A valid envelope around a random header.
                let command = Command.allCases[Int(random.next() % UInt64(Command.allCases.count))]
                frames = [Array(ProtocolCodec.version.utf8), Array(command.rawValue.utf8), random.jsonish()]
                    + (0..<command.payloadNames.count).map { _ in random.bytes(count: Int(random.next() % 8)) }
            }
            for decode in [{ _ = try ProtocolCodec.decodeWorkerMessage(frames) }, { _ = try ProtocolCodec.decodeCoordinatorMessage(frames) },
                           { _ = try ProtocolCodec.decodeClientRequest(frames) }, { _ = try ProtocolCodec.decodeClientReply(frames) }] {
                do {
                    try decode()
                    decodedCount += 1
                } catch is ProtocolError {
                    rejectedCount += 1
                } catch {
                    XCTFail("round \(round): \(type(of: error)) \(error) for \(frames)")
                }
            }
        }
        XCTAssertGreaterThan(rejectedCount, 15000)
        XCTAssertGreaterThan(decodedCount, 0, "the fuzz loop should also produce some valid messages")
    }
}

/// Random frames for the fuzz rounds, from the project's seeded generator (reproducible).
extension RandomGenerator {
    mutating func bytes(count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }

    /// A header-like JSON text: an object of a few known field names with random values.
    mutating func jsonish() -> [UInt8] {
        let names = ["job", "attempt", "worker", "host", "cores", "version", "datasets", "digest", "chunk", "chunkCount",
                     "epoch", "epochs", "samplesPerSecond", "record", "trainLoss", "reason", "summaryBytes", "stateDictBytes"]
        let values = ["1", "0", "-1", "\"j\"", "\"\"", "[]", "{}", "null", "true", "1.5", "[\"abababababababab\"]",
                      "\"abababababababab\"", "{\"loss\":1}", "1e400"]
        let fields = (0..<Int(next() % 8)).map { _ in
            "\"\(names[Int(next() % UInt64(names.count))])\":\(values[Int(next() % UInt64(values.count))])"
        }
        return Array(("{" + fields.joined(separator: ",") + "}").utf8)
    }
}
