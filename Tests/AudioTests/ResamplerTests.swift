import Audio
import XCTest

/// libsoxr (HQ) against `torchaudio.functional.resample` (fixtures). The two filters differ
/// (soxr: pass band to 91 % of Nyquist, steep; torchaudio: Hann-windowed sinc, 6 zero crossings,
/// roll-off 0.99), so the comparison states how close they come, in the waveform and in log-mel.
final class ResamplerTests: XCTestCase {
    private func compare(rate: Int, maxRelativeRMS: Double, maxFbankMean: Double) throws {
        let source = try AudioFile.readMono(Fixture.path("speech_\(rate).wav"))
        XCTAssertEqual(source.sampleRate, rate)
        let ours = try Resampler.resample(source, to: 16000)
        let (theirs, shape) = try Fixture.reference().floats(named: "resampled_\(rate)")
        XCTAssertEqual(ours.sampleRate, 16000)
        XCTAssertEqual([ours.samples.count], shape)

        var errorEnergy = 0.0, signalEnergy = 0.0
        for i in theirs.indices {
            errorEnergy += Double((ours.samples[i] - theirs[i]) * (ours.samples[i] - theirs[i]))
            signalEnergy += Double(theirs[i] * theirs[i])
        }
        let relativeRMS = (errorEnergy / signalEnergy).squareRoot()
        let wave = Fixture.differences(ours.samples, theirs)
        // Log-mel over the filters inside both resamplers' pass band (below 90 % of the lower
        // Nyquist frequency); above it each output holds only its own filter's leakage.
        let passBand = 0.9 * Double(min(rate, 16000)) / 2
        let melLow = 1127 * log(1 + 20.0 / 700), melHigh = 1127 * log(1 + 8000.0 / 700)
        let bins = (0..<128).filter { m in
            let rightEdge = melLow + Double(m + 2) * (melHigh - melLow) / 129
            return 700 * (exp(rightEdge / 1127) - 1) <= passBand
        }
        let fbank = Fbank()
        let (a, frames) = fbank.kaldiFbank(ours.samples), b = fbank.kaldiFbank(theirs).values
        let inBand = (0..<frames).flatMap { t in bins.map { t * 128 + $0 } }
        let logMel = Fixture.differences(inBand.map { a[$0] }, inBand.map { b[$0] })
        print("resample \(rate) -> 16000: relative RMS \(relativeRMS), max |diff| \(wave.max); log-mel below \(Int(passBand)) Hz (\(bins.count) filters): mean |diff| \(logMel.mean), max \(logMel.max)")
        XCTAssertLessThanOrEqual(relativeRMS, maxRelativeRMS)
        XCTAssertLessThanOrEqual(logMel.mean, maxFbankMean)
    }

    func testUpsamplingFrom8kHzIsCloseToTorchaudio() throws {
        try compare(rate: 8000, maxRelativeRMS: 0.04, maxFbankMean: 0.02)
    }

    func testDownsamplingFrom22050HzIsCloseToTorchaudio() throws {
        try compare(rate: 22050, maxRelativeRMS: 0.04, maxFbankMean: 0.02)
    }

    func testDownsamplingFrom44100HzIsCloseToTorchaudio() throws {
        try compare(rate: 44100, maxRelativeRMS: 0.04, maxFbankMean: 0.02)
    }

    func testSameRateIsUnchanged() throws {
        let audio = MonoAudio(samples: [0.1, -0.2, 0.3], sampleRate: 16000)
        XCTAssertEqual(try Resampler.resample(audio, to: 16000), audio)
    }
}
