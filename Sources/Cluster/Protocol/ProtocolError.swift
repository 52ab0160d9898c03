/// A message that does not follow the protocol: which message (its command when that much could
/// be read) and what is wrong with it. The receiver logs it and drops the message.
public struct ProtocolError: Error, CustomStringConvertible, Equatable {
    public enum Problem: Equatable, Sendable {
        /// No frames at all.
        case empty
        /// The first frame is not `ProtocolCodec.version` (shown printable, cut to 40 bytes).
        case unknownVersion(String)
        /// The second frame names no command of this direction.
        case unknownCommand(String)
        /// The command exists but travels the other way (e.g. ASSIGN sent to the coordinator).
        case wrongDirection
        /// Frames after the version, command and header: `expected` payload frames, `actual` sent.
        case payloadFrameCount(expected: Int, actual: Int)
        /// The receiver kept `kept` frames and discarded `discarded` more, so payloads are missing.
        case discardedFrames(kept: Int, discarded: Int)
        /// Fewer than the three frames every message has (version, command, header).
        case missingFrames(actual: Int)
        /// Frame `index` (0 = version) is `bytes` long, over `limit`.
        case oversizedFrame(index: Int, bytes: Int, limit: Int)
        /// The header is not a JSON object, with the parser's reason.
        case malformedHeader(String)
        case missingField(String)
        case wrongFieldType(field: String, expected: String)
        case invalidValue(field: String, reason: String)
        /// A payload frame that must be a JSON object is not.
        case malformedPayload(name: String, reason: String)
    }

    /// The command when known (e.g. "HELLO"), else nil.
    public let command: String?
    public let problem: Problem

    public init(command: String?, problem: Problem) {
        self.command = command
        self.problem = problem
    }

    public var description: String {
        let subject = command.map { "\($0) message" } ?? "message"
        switch problem {
        case .empty: return "\(subject): no frames"
        case .unknownVersion(let tag): return "\(subject): unknown protocol version \(tag) (expected \(ProtocolCodec.version))"
        case .unknownCommand(let name): return "\(subject): unknown command \(name)"
        case .wrongDirection: return "\(subject): not accepted in this direction"
        case .missingFrames(let actual): return "\(subject): \(actual) frames, at least 3 needed (version, command, header)"
        case .payloadFrameCount(let expected, let actual):
            return "\(subject): \(actual) payload frames, expected \(expected)"
        case .discardedFrames(let kept, let discarded):
            return "\(subject): \(discarded) frames discarded past the \(kept) kept, so its payloads are incomplete"
        case .oversizedFrame(let index, let bytes, let limit):
            return "\(subject): frame \(index) is \(bytes) bytes, over the limit of \(limit)"
        case .malformedHeader(let reason): return "\(subject): header is not a valid JSON object: \(reason)"
        case .missingField(let field): return "\(subject): header field '\(field)' is missing"
        case .wrongFieldType(let field, let expected): return "\(subject): header field '\(field)' is not \(expected)"
        case .invalidValue(let field, let reason): return "\(subject): header field '\(field)' \(reason)"
        case .malformedPayload(let name, let reason): return "\(subject): payload '\(name)' \(reason)"
        }
    }

    /// Up to 40 bytes of `bytes`, quoted when printable ASCII and in hex otherwise, for messages
    /// about frames that may hold anything.
    static func printable(_ bytes: [UInt8]) -> String {
        let shown = bytes.prefix(40)
        let suffix = bytes.count > shown.count ? "… (\(bytes.count) bytes)" : ""
        if shown.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) {
            return "'" + String(decoding: shown, as: UTF8.self) + "'" + suffix
        }
        return "0x" + shown.map { String(format2hex: $0) }.joined() + suffix
    }
}

extension String {
    /// Two lowercase hex digits.
    init(format2hex byte: UInt8) {
        let digits = Array("0123456789abcdef")
        self = String([digits[Int(byte >> 4)], digits[Int(byte & 0xf)]])
    }
}
