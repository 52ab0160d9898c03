import Audio
import XCTest

/// Our fbank against `torchaudio.compliance.kaldi.fbank` with AST's arguments (fixtures).
final class FbankTests: XCTestCase {
    private func assertMatchesTorchaudio(file: String, reference name: String) throws {
        let audio = try AudioFile.readMono(Fixture.path(file))
        XCTAssertEqual(audio.sampleRate, 16000)
        let (ours, frames) = Fbank().kaldiFbank(audio.samples)
        let (theirs, shape) = try Fixture.reference().floats(named: name)
        XCTAssertEqual([frames, 128], shape)
        let diff = Fixture.differences(ours, theirs)
        print("fbank \(file): \(frames) frames, mean |diff| \(diff.mean), max |diff| \(diff.max)")
        XCTAssertLessThanOrEqual(diff.mean, 1e-4)
        XCTAssertLessThanOrEqual(diff.max, 1e-2)
    }

    func testSpeechMatchesTorchaudioKaldiFbank() throws {
        try assertMatchesTorchaudio(file: "speech_16000.wav", reference: "fbank_speech")
    }

    func testNoiseMatchesTorchaudioKaldiFbank() throws {
        try assertMatchesTorchaudio(file: "noise_16000.wav", reference: "fbank_noise")
    }

    func testFrameCountKeepsWholeFramesOnly() {
        let fbank = Fbank()
        XCTAssertEqual(fbank.frameCount(sampleCount: 399), 0)
        XCTAssertEqual(fbank.frameCount(sampleCount: 400), 1)
        XCTAssertEqual(fbank.frameCount(sampleCount: 559), 1)
        XCTAssertEqual(fbank.frameCount(sampleCount: 560), 2)
        XCTAssertEqual(fbank.kaldiFbank([Float](repeating: 0.1, count: 300)).frameCount, 0)
    }

    func testFeaturesAreMelMajorCroppedOrZeroPadded() throws {
        let audio = try AudioFile.readMono(Fixture.path("speech_16000.wav"))
        let (kaldi, frames) = Fbank().kaldiFbank(audio.samples)
        XCTAssertGreaterThan(frames, 40)

        let cropped = Fbank(parameters: FbankParameters(frames: 40)).features(audio.samples).values
        XCTAssertEqual(cropped.count, 128 * 40)
        for (m, t) in [(0, 0), (5, 39), (127, 17)] { XCTAssertEqual(cropped[m * 40 + t], kaldi[t * 128 + m]) }

        let long = frames + 25
        let padded = Fbank(parameters: FbankParameters(frames: long)).features(audio.samples).values
        XCTAssertEqual(padded[3 * long + frames - 1], kaldi[(frames - 1) * 128 + 3])
        XCTAssertEqual(padded[3 * long + frames], 0)
        XCTAssertEqual(padded[127 * long + long - 1], 0)
        XCTAssertEqual(Fbank(parameters: FbankParameters(frames: 40)).features(audio.samples).frames, 40)
        XCTAssertEqual(Fbank(parameters: FbankParameters(frames: long)).features(audio.samples).frames, frames)

        // Clips of any length: up to max_frames kept, whatever the model's window.
        let whole = Fbank(parameters: FbankParameters(frames: 40, maxFrames: long)).features(audio.samples)
        XCTAssertEqual(whole.frames, frames)
        XCTAssertEqual(whole.values, padded)
    }
}
