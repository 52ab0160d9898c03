import Foundation
import RunRecords

/// Turns messages into frames and frames back into messages, validating everything: the
/// version tag, the command and its direction, the frame count, frame sizes, the header's JSON,
/// its fields' presence, types and values, and JSON payloads. Anything wrong is a
/// `ProtocolError` naming the message and the fault; decoding never traps on any input.
///
/// ```swift
/// let frames = ProtocolCodec.encode(WorkerMessage.heartbeat(WorkerHeartbeat(job: "j1", attempt: 2)))
/// // ["SPECTROFOLD/1", "HEARTBEAT", "{\"attempt\":2,\"job\":\"j1\"}"]
/// let message = try ProtocolCodec.decodeWorkerMessage(frames)
/// ```
public enum ProtocolCodec {
    /// The first frame of every message.
    public static let version = "SPECTROFOLD/1"
    /// The largest accepted header, in bytes.
    public static let maxHeaderBytes = 64 * 1024
    /// The most frames any message has (version, command, header, two payloads): a receiver
    /// keeps this many and counts the rest as discarded.
    public static let maxFrames = 5
    /// The default bound on one payload frame, in bytes (a state dict of the standard models is
    /// under 100 MiB). Sockets set ZMQ_MAXMSGSIZE to this bound plus a little.
    public static let defaultMaxPayloadBytes = 512 * 1024 * 1024

    // MARK: - Encoding

    public static func encode(_ message: WorkerMessage) -> [[UInt8]] {
        switch message {
        case .hello(let hello): return frames(.hello, hello)
        case .heartbeat(let beat): return frames(.heartbeat, beat)
        case .fetch(let request): return frames(.fetch, request)
        case .progress(let progress): return frames(.progress, progress)
        case .result(let result):
            let header = ResultHeader(job: result.job, attempt: result.attempt,
                                      summaryBytes: result.summary.count, stateDictBytes: result.stateDict.count)
            return frames(.result, header, payloads: [result.summary, result.stateDict])
        case .failed(let failure): return frames(.failed, failure)
        case .bye: return frames(.bye, EmptyHeader())
        }
    }

    public static func encode(_ message: CoordinatorMessage) -> [[UInt8]] {
        switch message {
        case .welcome(let welcome): return frames(.welcome, welcome)
        case .heartbeat: return frames(.heartbeat, EmptyHeader())
        case .assign(let assignment):
            let header = AssignmentHeader(job: assignment.job, attempt: assignment.attempt, dataset: assignment.dataset,
                                          datasetBytes: assignment.datasetBytes, chunkCount: assignment.chunkCount, files: assignment.files)
            return frames(.assign, header, payloads: [assignment.spec])
        case .chunk(let chunk):
            return frames(.chunk, ChunkHeader(digest: chunk.digest, chunk: chunk.chunk, chunkCount: chunk.chunkCount),
                          payloads: [chunk.bytes])
        case .ack(let attempt): return frames(.ack, attempt)
        case .cancel(let cancellation): return frames(.cancel, cancellation)
        case .disconnect(let disconnect): return frames(.disconnect, disconnect)
        }
    }

    static func frames<Header: Encodable>(_ command: Command, _ header: Header, payloads: [[UInt8]] = []) -> [[UInt8]] {
        let encoder = JSONCoding.encoder([.sortedKeys])
        // Headers are plain structs of strings, integers and finite-or-named doubles: encoding cannot fail.
        let json = try! encoder.encode(header)
        return [Array(version.utf8), Array(command.rawValue.utf8), Array(json)] + payloads
    }

    // MARK: - Decoding

    /// Decodes a message a worker sent (without the ROUTER's routing-id frame).
    /// `discardedFrames` counts frames the socket dropped past `maxFrames`.
    public static func decodeWorkerMessage(_ frames: [[UInt8]], discardedFrames: Int = 0,
                                           maxPayloadBytes: Int = defaultMaxPayloadBytes) throws -> WorkerMessage {
        let envelope = try Envelope(frames, discardedFrames: discardedFrames, direction: .toCoordinator, maxPayloadBytes: maxPayloadBytes)
        switch envelope.command {
        case .hello: return .hello(try envelope.header(WorkerHello.self) { try $0.validate() })
        case .heartbeat: return .heartbeat(try envelope.header(WorkerHeartbeat.self) { try $0.validate() })
        case .fetch: return .fetch(try envelope.header(ChunkRequest.self) { try $0.validate() })
        case .progress: return .progress(try envelope.header(JobProgress.self) { try $0.validate() })
        case .result:
            let header = try envelope.header(ResultHeader.self) { try $0.validate() }
            let summary = try envelope.jsonObjectPayload(0)
            try envelope.payload(0, hasLength: header.summaryBytes, field: "summaryBytes")
            try envelope.payload(1, hasLength: header.stateDictBytes, field: "stateDictBytes")
            return .result(JobResult(job: header.job, attempt: header.attempt, summary: summary, stateDict: envelope.payloads[1]))
        case .failed: return .failed(try envelope.header(JobFailure.self) { try $0.validate() })
        case .bye:
            _ = try envelope.header(EmptyHeader.self) { _ in }
            return .bye
        default: preconditionFailure("Envelope admits only commands travelling from workers to the coordinator")
        }
    }

    /// Decodes a message the coordinator sent.
    public static func decodeCoordinatorMessage(_ frames: [[UInt8]], discardedFrames: Int = 0,
                                                maxPayloadBytes: Int = defaultMaxPayloadBytes) throws -> CoordinatorMessage {
        let envelope = try Envelope(frames, discardedFrames: discardedFrames, direction: .toWorker, maxPayloadBytes: maxPayloadBytes)
        switch envelope.command {
        case .welcome: return .welcome(try envelope.header(Welcome.self) { try $0.validate() })
        case .heartbeat:
            _ = try envelope.header(EmptyHeader.self) { _ in }
            return .heartbeat
        case .assign:
            let header = try envelope.header(AssignmentHeader.self) { try $0.validate() }
            let spec = try envelope.jsonObjectPayload(0)
            return .assign(Assignment(job: header.job, attempt: header.attempt, dataset: header.dataset,
                                      datasetBytes: header.datasetBytes, chunkCount: header.chunkCount, files: header.files ?? [], spec: spec))
        case .chunk:
            let header = try envelope.header(ChunkHeader.self) { try $0.validate() }
            return .chunk(DatasetChunk(digest: header.digest, chunk: header.chunk, chunkCount: header.chunkCount,
                                       bytes: envelope.payloads[0]))
        case .ack: return .ack(try envelope.header(JobAttempt.self) { try $0.validate() })
        case .cancel: return .cancel(try envelope.header(Cancellation.self) { try $0.validate() })
        case .disconnect: return .disconnect(try envelope.header(Disconnect.self) { try $0.validate() })
        default: preconditionFailure("Envelope admits only commands travelling to the worker")
        }
    }
}

/// A message whose version, command, direction, frame count and frame sizes are checked; the
/// header and payloads are still raw.
struct Envelope {
    let command: Command
    let header: [UInt8]
    let payloads: [[UInt8]]

    init(_ frames: [[UInt8]], discardedFrames: Int, direction: Command.Direction, maxPayloadBytes: Int) throws {
        guard let tag = frames.first else { throw ProtocolError(command: nil, problem: .empty) }
        guard tag.elementsEqual(ProtocolCodec.version.utf8) else {
            throw ProtocolError(command: nil, problem: .unknownVersion(ProtocolError.printable(tag)))
        }
        guard frames.count >= 2 else { throw ProtocolError(command: nil, problem: .missingFrames(actual: frames.count)) }
        guard let name = String(validating: frames[1], as: UTF8.self), let command = Command(rawValue: name) else {
            throw ProtocolError(command: nil, problem: .unknownCommand(ProtocolError.printable(frames[1])))
        }
        guard command.travels(direction) else { throw ProtocolError(command: name, problem: .wrongDirection) }
        guard frames.count >= 3 else { throw ProtocolError(command: name, problem: .missingFrames(actual: frames.count)) }
        let payloadCount = frames.count - 3 + discardedFrames
        guard payloadCount == command.payloadNames.count else {
            throw ProtocolError(command: name, problem: .payloadFrameCount(expected: command.payloadNames.count, actual: payloadCount))
        }
        // The payloads decoded are the kept frames: a message missing some cannot be decoded.
        guard discardedFrames == 0 else {
            throw ProtocolError(command: name, problem: .discardedFrames(kept: frames.count, discarded: discardedFrames))
        }
        guard frames[2].count <= ProtocolCodec.maxHeaderBytes else {
            throw ProtocolError(command: name, problem: .oversizedFrame(index: 2, bytes: frames[2].count, limit: ProtocolCodec.maxHeaderBytes))
        }
        for index in 3..<frames.count where frames[index].count > maxPayloadBytes {
            throw ProtocolError(command: name, problem: .oversizedFrame(index: index, bytes: frames[index].count, limit: maxPayloadBytes))
        }
        self.command = command
        self.header = frames[2]
        self.payloads = Array(frames[3...])
    }

    private func fail(_ problem: ProtocolError.Problem) -> ProtocolError {
        ProtocolError(command: command.rawValue, problem: problem)
    }

    /// Decodes the header as `type`, then runs `validate`; every failure names the field.
    func header<Header: Decodable>(_ type: Header.Type, validate: (Header) throws -> Void) throws -> Header {
        let value: Header
        do {
            value = try JSONCoding.decode(type, from: Data(header))
        } catch let error as DecodingError {
            throw fail(Self.problem(error))
        } catch {
            throw fail(.malformedHeader("\(error)"))
        }
        do {
            try validate(value)
        } catch let violation as HeaderRule.Violation {
            throw fail(.invalidValue(field: violation.field, reason: violation.reason))
        }
        return value
    }

    /// Payload `index`, which must hold a JSON object (summaries and specs).
    func jsonObjectPayload(_ index: Int) throws -> [UInt8] {
        let name = command.payloadNames[index]
        let bytes = payloads[index]
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)), object is [String: Any] else {
            throw fail(.malformedPayload(name: name, reason: "is not a JSON object (\(bytes.count) bytes)"))
        }
        return bytes
    }

    /// Checks that payload `index` is as long as the header's `field` says.
    func payload(_ index: Int, hasLength length: Int, field: String) throws {
        guard payloads[index].count == length else {
            throw fail(.invalidValue(field: field, reason: "is \(length), but payload '\(command.payloadNames[index])' has \(payloads[index].count) bytes"))
        }
    }

    private static func problem(_ error: DecodingError) -> ProtocolError.Problem {
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return .missingField(path(context.codingPath + [key]))
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            if context.codingPath.isEmpty { return .malformedHeader("not a JSON object") }
            return .wrongFieldType(field: path(context.codingPath), expected: describe(type))
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                let reason = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
                return .malformedHeader(reason ?? context.debugDescription)
            }
            return .invalidValue(field: path(context.codingPath), reason: context.debugDescription)
        @unknown default:
            return .malformedHeader("\(error)")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int64.Type: return "an integer"
        case is Double.Type: return "a number"
        case is String.Type: return "a string"
        case is Bool.Type: return "a boolean"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "of type \(name)"
        }
    }
}
