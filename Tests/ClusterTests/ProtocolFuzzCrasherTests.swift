import Cluster
import Foundation
import XCTest

/// Inputs that crashed the protocol decoders (`Fixtures/fuzz/`, in the input layout of
/// `fuzz/Sources/fuzz-protocol`), fed to the same decoders: each is now a `ProtocolError`.
final class ProtocolFuzzCrasherTests: XCTestCase {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/fuzz").path

    /// The fuzz input layout: byte 0 picks the decoder (bits 0-1) and the discarded-frame count
    /// (bits 2-3); frames follow, separated by 0xFF 0x00.
    private func decode(fixture name: String) throws -> Any {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/" + name)))
        var frames: [[UInt8]] = [[]]
        var index = 1
        while index < bytes.count {
            if bytes[index] == 0xFF, index + 1 < bytes.count, bytes[index + 1] == 0x00 {
                frames.append([])
                index += 2
            } else {
                frames[frames.count - 1].append(bytes[index])
                index += 1
            }
        }
        let discarded = Int(bytes[0] >> 2) & 3
        switch bytes[0] & 3 {
        case 0: return try ProtocolCodec.decodeWorkerMessage(frames, discardedFrames: discarded, maxPayloadBytes: 4096)
        case 1: return try ProtocolCodec.decodeCoordinatorMessage(frames, discardedFrames: discarded, maxPayloadBytes: 4096)
        case 2: return try ProtocolCodec.decodeClientRequest(frames, discardedFrames: discarded, maxPayloadBytes: 4096)
        default: return try ProtocolCodec.decodeClientReply(frames, discardedFrames: discarded, maxPayloadBytes: 4096)
        }
    }

    private func assertRefused(_ fixture: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try decode(fixture: fixture), fixture, file: file, line: line) { error in
            XCTAssertEqual((error as? ProtocolError)?.description, expected, file: file, line: line)
        }
    }

    /// A RESULT whose second payload was discarded by the socket: the frame count with the
    /// discarded one is right, but the decoder used to index the missing payload and trap.
    func testResultWithADiscardedPayloadIsRefused() {
        assertRefused("result-with-discarded-frames",
                      "RESULT message: 1 frames discarded past the 4 kept, so its payloads are incomplete")
    }
}
