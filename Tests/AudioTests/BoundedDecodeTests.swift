import Audio
import XCTest

/// The front end decodes at most `decodedSeconds` of a file: a file that would decode to hours
/// costs no more than that, and a clip cut there has the stored frames of the whole clip.
final class BoundedDecodeTests: XCTestCase {
    func testDecodingStopsAtTheLimit() throws {
        let path = Fixture.path("speech_44100.wav")
        XCTAssertEqual(try AudioFile.readMono(path, maxSeconds: 0.5).samples.count, 22050)
        XCTAssertEqual(try AudioFile.readMono(path, maxSeconds: 1e300).samples.count, 69_864)
        XCTAssertEqual(try AudioFile.readMono(path).samples.count, 69_864)
    }

    func testTheLimitIsTenMinutesOrWhatTheStoredFramesRead() {
        XCTAssertEqual(FrontEnd(parameters: FbankParameters(frames: 100)).decodedSeconds, 600)
        // 100 000 frames at a 10 ms hop end at 999.99 s + 25 ms; 0.1 s more for the resampler.
        XCTAssertEqual(FrontEnd(parameters: FbankParameters(frames: 100, maxFrames: 100_000)).decodedSeconds, 1000.115, accuracy: 1e-9)
    }

    func testAClipCutAfterItsStoredFramesHasTheFeaturesOfTheWholeClip() throws {
        let parameters = FbankParameters(numMelBins: 32, frames: 50)  // 0.515 s of a 1.58 s recording
        let cut = Double(parameters.samplesRead) / 16000 + 0.1
        for rate in [16000, 44100, 8000] {
            let path = Fixture.path("speech_\(rate).wav")
            let fbank = Fbank(parameters: parameters)
            let whole = fbank.features(try Resampler.resample(AudioFile.readMono(path), to: 16000).samples)
            let cropped = fbank.features(try Resampler.resample(AudioFile.readMono(path, maxSeconds: cut), to: 16000).samples)
            XCTAssertEqual(cropped.frames, 50, "\(rate) Hz")
            XCTAssertEqual(whole.frames, 50, "\(rate) Hz")
            let worst = zip(cropped.values, whole.values).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThan(worst, 1e-4, "\(rate) Hz: 0.1 s must cover the resampler's filter")
        }
    }
}
