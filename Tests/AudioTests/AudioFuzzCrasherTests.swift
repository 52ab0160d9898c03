import Audio
import XCTest

/// Files that crashed the audio decoder entry point (`Fixtures/fuzz/`), decoded through
/// `AudioFile.readMono` as the fuzz target does.
final class AudioFuzzCrasherTests: XCTestCase {
    /// sox's 80-sample FLAC tone with STREAMINFO's total-samples field set to 2^36 - 1: the
    /// decoder used to reserve that many samples (256 GiB) before reading one. Now it reads
    /// the samples the file holds, within a small reservation.
    func testFrameCountClaimedByTheHeaderIsNotReservedUpFront() throws {
        let audio = try AudioFile.readMono(Fixture.path("fuzz/frame-count-2pow36.flac"))
        XCTAssertEqual(audio.sampleRate, 8000)
        XCTAssertEqual(audio.samples.count, 80)
        XCTAssertLessThan(audio.samples.capacity, 1 << 23, "reserved on the header's word")
    }
}
