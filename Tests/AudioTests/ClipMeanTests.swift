import Audio
import XCTest

/// `features.subtract_clip_mean`: each mel bin of a real recording loses its mean over the
/// clip's own frames, computed directly from the plain features; the padding stays 0.
final class ClipMeanTests: XCTestCase {
    func testEachBinLosesItsMeanOverTheClipAndThePaddingStaysZero() throws {
        let plainParameters = FbankParameters(numMelBins: 32, frames: 20, maxFrames: 4000)
        var normalisedParameters = plainParameters
        normalisedParameters.subtractClipMean = true
        let path = Fixture.path("speech_16000.wav")
        let plain = try FrontEnd(parameters: plainParameters).process(path)
        let normalised = try FrontEnd(parameters: normalisedParameters).process(path)
        XCTAssertEqual(normalised.frames, plain.frames)
        XCTAssertGreaterThan(plain.frames, 20)
        XCTAssertLessThan(plain.frames, 4000, "the test needs padding")
        for bin in 0..<32 {
            let row = (bin * 4000)..<(bin * 4000 + plain.frames)
            let mean = plain.features[row].map(Double.init).reduce(0, +) / Double(plain.frames)
            for i in row { XCTAssertEqual(Double(normalised.features[i]), Double(plain.features[i]) - mean, accuracy: 1e-4, "bin \(bin)") }
            XCTAssertTrue(normalised.features[(bin * 4000 + plain.frames)..<((bin + 1) * 4000)].allSatisfy { $0 == 0 }, "bin \(bin) padding")
        }
    }

    func testAPackWrittenBeforeTheSettingReadsAsOff() throws {
        let old = #"{"sample_rate": 16000, "num_mel_bins": 128, "frame_length_ms": 25, "frame_shift_ms": 10, "frames": 100}"#
        let parameters = try JSONDecoder().decode(FbankParameters.self, from: Data(old.utf8))
        XCTAssertFalse(parameters.subtractClipMean)
        XCTAssertEqual(parameters, FbankParameters())
    }
}
