import Audio
import Foundation
import TestSupport
import XCTest

/// Decoding real files of every supported encoding (written by libsndfile and by sox), and the
/// errors for files that cannot be used.
final class AudioFileTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory(prefix: "audio-file") }
    override func tearDown() { directory.remove() }

    /// 0.5 s of a 440 Hz sine at amplitude 0.5, 16 kHz.
    private let sine = MonoAudio(samples: (0..<8000).map { Float(0.5 * sin(2 * Double.pi * 440 * Double($0) / 16000)) },
                                 sampleRate: 16000)

    func testLosslessEncodingsRoundTripWithinTheirQuantisation() throws {
        let cases: [(AudioFile.Encoding, Float)] = [
            (.wavPCM8, 1.0 / 128), (.wavPCM16, 1.0 / 32768), (.wavPCM24, 1.0 / 8_388_608),
            (.wavPCM32, 1e-6), (.wavFloat, 0), (.flac16, 1.0 / 32768),
        ]
        for (encoding, step) in cases {
            let path = directory.file("sine-\(encoding).\(encoding.fileExtension)")
            try AudioFile.write(sine, to: path, encoding: encoding)
            let back = try AudioFile.readMono(path)
            XCTAssertEqual(back.sampleRate, 16000, "\(encoding)")
            XCTAssertEqual(back.samples.count, sine.samples.count, "\(encoding)")
            let worst = zip(back.samples, sine.samples).map { abs($0 - $1) }.max() ?? 1
            XCTAssertLessThanOrEqual(worst, step, "\(encoding)")
        }
    }

    /// Lossy codecs keep the tone: most of the decoded energy correlates with the 440 Hz sine.
    func testLossyEncodingsKeepTheTone() throws {
        for encoding in [AudioFile.Encoding.oggVorbis, .mp3] {
            let path = directory.file("sine.\(encoding.fileExtension)")
            try AudioFile.write(sine, to: path, encoding: encoding)
            let back = try AudioFile.readMono(path)
            XCTAssertEqual(back.sampleRate, 16000, "\(encoding)")
            XCTAssertEqual(Double(back.samples.count), Double(sine.samples.count), accuracy: 2000, "\(encoding)")
            XCTAssertGreaterThan(toneFraction(back.samples, hertz: 440, rate: 16000), 0.9, "\(encoding)")
        }
    }

    func testStereoIsAveragedToMono() throws {
        let path = directory.file("stereo.wav")
        // sox writes a 2-channel file: left the sine at 0.5, right silence.
        let result = try ChildProcess.run("/usr/bin/sox", arguments: [
            "-n", "-r", "16000", "-b", "16", path, "synth", "0.25", "sine", "440", "vol", "0.5", "remix", "1", "0"])
        XCTAssertEqual(result.status, 0, result.standardError)
        let audio = try AudioFile.readMono(path)
        XCTAssertEqual(audio.samples.count, 4000)
        XCTAssertEqual(Double(audio.samples.map { abs($0) }.max()!), 0.25, accuracy: 0.01)
    }

    func testSoxWrittenFlacAndOggDecode() throws {
        for ext in ["flac", "ogg"] {
            let path = directory.file("tone.\(ext)")
            let result = try ChildProcess.run("/usr/bin/sox", arguments: ["-n", "-r", "22050", path, "synth", "0.5", "sine", "440"])
            XCTAssertEqual(result.status, 0, result.standardError)
            let audio = try AudioFile.readMono(path)
            XCTAssertEqual(audio.sampleRate, 22050)
            XCTAssertGreaterThan(toneFraction(audio.samples, hertz: 440, rate: 22050), 0.9, ext)
        }
    }

    func testErrorsNameTheFile() throws {
        let empty = directory.file("empty.wav")
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        let corrupt = directory.file("corrupt.flac")
        _ = FileManager.default.createFile(atPath: corrupt, contents: Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919) }))
        let unsupported = directory.file("clip.m4a")
        _ = FileManager.default.createFile(atPath: unsupported, contents: Data([0, 1, 2, 3]))
        let silent = directory.file("no-samples.wav")
        try AudioFile.write(MonoAudio(samples: [], sampleRate: 16000), to: silent)
        let missing = directory.file("missing.wav")

        let expectations = [(empty, "cannot decode"), (corrupt, "cannot decode"), (unsupported, "unsupported format '.m4a'"),
                            (silent, "no audio samples"), (missing, "no such file")]
        for (path, phrase) in expectations {
            XCTAssertThrowsError(try AudioFile.readMono(path)) { error in
                let error = error as? AudioError
                XCTAssertEqual(error?.file, path)
                XCTAssertTrue(error?.description.contains(phrase) == true, "\(String(describing: error)) lacks '\(phrase)'")
            }
        }
    }

    /// Fraction of the signal's energy in its projection on a sine/cosine pair at `hertz`.
    private func toneFraction(_ x: [Float], hertz: Double, rate: Int) -> Double {
        var c = 0.0, s = 0.0, energy = 0.0
        for (i, v) in x.enumerated() {
            let phase = 2 * Double.pi * hertz * Double(i) / Double(rate)
            c += Double(v) * cos(phase)
            s += Double(v) * sin(phase)
            energy += Double(v * v)
        }
        return 2 * (c * c + s * s) / Double(x.count) / energy
    }
}
