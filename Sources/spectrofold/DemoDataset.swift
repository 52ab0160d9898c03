import Audio
import Data
import Foundation
import ProcessRunner
import Random

/// SpectroFold's own demo dataset, made offline: the spoken digits "zero" … "nine" synthesised
/// by espeak-ng with each of its built-in English voices at random speeds and pitches, placed at
/// a random offset in a 1 s clip and mixed with coloured noise at a random SNR (5 to 30 dB).
///
/// Writes `audio/<voice>/<digit>_<n>.wav` (16 kHz, 16-bit) and `manifest.csv` with the columns
/// `path, label, group, voice, speed, pitch, snr_db` (`group`: one per voice).
struct DemoDataset: Sendable {
    static let digits = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    /// Clip length, seconds, and rate, Hz.
    static let clipSeconds = 1.0
    static let sampleRate = 16000

    /// espeak-ng voice names (`en-gb`, `en-us`, ...).
    var voices: [String]
    /// Clips per voice and digit.
    var variants: Int
    var seed: UInt64
    var espeak: String

    init(voices: [String], variants: Int, seed: UInt64, espeak: String) {
        self.voices = voices
        self.variants = variants
        self.seed = seed
        self.espeak = espeak
    }

    /// The English voices espeak-ng has built in (`gmw/` files; MBROLA voices need extra data).
    static func englishVoices(espeak: String) throws -> [String] {
        let listing = try run(espeak, ["--voices=en"])
        var voices: [String] = []
        for line in listing.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 5, fields[4].hasPrefix("gmw/"), !voices.contains(String(fields[1])) else { continue }
            voices.append(String(fields[1]))
        }
        guard !voices.isEmpty else { throw DataError(espeak, "lists no built-in English voices") }
        return voices
    }

    /// The espeak-ng executable on PATH, or an error saying how to install it.
    static func findEspeak() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(folder)/espeak-ng") {
            return "\(folder)/espeak-ng"
        }
        throw DataError("espeak-ng", "not found on PATH; install the Debian package espeak-ng")
    }

    var clipCount: Int { voices.count * Self.digits.count * variants }

    /// Synthesises every clip into `directory` (created if needed) and returns the manifest's
    /// path. `progress(done, total)` is called from worker threads.
    func write(to directory: String, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                      progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> String {
        let fm = FileManager.default
        for voice in voices { try fm.createDirectory(atPath: "\(directory)/audio/\(voice)", withIntermediateDirectories: true) }
        let rows = parallelResults(count: clipCount, threads: threads, stopAtFirstError: true, progress: progress) {
            { try makeClip($0, directory: directory) }
        }
        var lines = ["path,label,group,voice,speed,pitch,snr_db"]
        // The first failure throws before any never-started (nil) clip is reached.
        for row in rows { lines.append(try row!.get()) }
        let manifest = "\(directory)/manifest.csv"
        try (lines.joined(separator: "\n") + "\n").write(toFile: manifest, atomically: true, encoding: .utf8)
        return manifest
    }

    /// Clip `index` (voice-major, then digit, then variant): writes its WAV, returns its manifest row.
    private func makeClip(_ index: Int, directory: String) throws -> String {
        let variant = index % variants, digit = index / variants % Self.digits.count, voice = voices[index / variants / Self.digits.count]
        var random = RandomGenerator(seed: seed, stream: UInt64(index) + 1)
        let speed = 130 + random.below(81), pitch = 25 + random.below(51)
        let snr = 5 + (Double(random.nextUniform()) * 25 * 10).rounded() / 10

        let scratch = NSTemporaryDirectory() + "spectrofold-demo-\(UUID().uuidString).wav"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        _ = try Self.run(espeak, ["-v", voice, "-s", "\(speed)", "-p", "\(pitch)", "-w", scratch, Self.digits[digit]])
        let speech = Self.trimmed(try Resampler.resample(try AudioFile.readMono(scratch), to: Self.sampleRate).samples)
        guard !speech.isEmpty else { throw DataError(voice, "espeak-ng produced silence for '\(Self.digits[digit])'") }

        let length = Int(Self.clipSeconds * Double(Self.sampleRate))
        var clip = [Float](repeating: 0, count: length)
        let offset = speech.count < length ? random.below(length - speech.count + 1) : 0
        for i in 0..<min(speech.count, length) { clip[offset + i] = speech[i] }
        let speechPower = speech.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(speech.count)
        // Noise: white through a one-pole low-pass of random colour, scaled to the SNR over the word.
        let pole = Double(random.nextUniform()) * 0.95
        var state = 0.0
        var noise = (0..<length).map { _ -> Double in
            state = pole * state + (1 - pole) * random.nextStandardNormal()
            return state
        }
        let noisePower = noise.reduce(0) { $0 + $1 * $1 } / Double(length)
        let gain = (speechPower / noisePower / pow(10, snr / 10)).squareRoot()
        noise = noise.map { $0 * gain }
        for i in 0..<length { clip[i] += Float(noise[i]) }
        let peak = clip.map { abs($0) }.max() ?? 1
        if peak > 0.95 { clip = clip.map { $0 * 0.95 / peak } }

        let relative = "audio/\(voice)/\(Self.digits[digit])_\(variant).wav"
        try AudioFile.write(MonoAudio(samples: clip, sampleRate: Self.sampleRate), to: "\(directory)/\(relative)")
        return "\(relative),\(Self.digits[digit]),\(voice),\(voice),\(speed),\(pitch),\(snr)"
    }

    /// `samples` without leading and trailing stretches below 1 % of the peak.
    static func trimmed(_ samples: [Float]) -> [Float] {
        let threshold = 0.01 * (samples.map { abs($0) }.max() ?? 0)
        guard threshold > 0, let first = samples.firstIndex(where: { abs($0) > threshold }),
              let last = samples.lastIndex(where: { abs($0) > threshold }) else { return [] }
        return Array(samples[first...last])
    }

    /// Runs `program` and returns its standard output; a failure names the command and its error output.
    private static func run(_ program: String, _ arguments: [String]) throws -> String {
        let result: ChildProcess.Result
        do { result = try ChildProcess.run(program, arguments: arguments) } catch { throw DataError(program, "cannot run: \(error)") }
        guard result.status == 0 else {
            throw DataError(program, "\(arguments.joined(separator: " ")) exited \(result.status): \(result.standardError)")
        }
        return result.standardOutput
    }
}
