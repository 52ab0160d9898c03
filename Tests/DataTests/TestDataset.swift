import Audio
import Foundation
import TestSupport

/// Small real datasets for the tests: WAV files of tones (one frequency per class) with a little
/// noise, written into a temporary directory, with a manifest CSV.
struct TestDataset {
    let directory: TemporaryDirectory
    /// `path,label,speaker,fold,speed,voice` rows (relative paths), as written to `manifest.csv`.
    let manifest: String
    var manifestPath: String { directory.file("manifest.csv") }

    /// `perClass` clips of each of `classes`, speakers s0..s(speakers-1) in turn, folds 1..3 in turn.
    init(classes: [String] = ["low", "mid", "high"], perClass: Int = 4, speakers: Int = 4,
         rates: [Int] = [16000], seconds: Double = 0.5) throws {
        directory = try TemporaryDirectory(prefix: "data-test")
        var lines = ["path,label,speaker,fold,speed,voice"]
        var seed: UInt64 = 1
        for (c, label) in classes.enumerated() {
            try FileManager.default.createDirectory(atPath: directory.file("audio/\(label)"), withIntermediateDirectories: true)
            for i in 0..<perClass {
                let rate = rates[i % rates.count]
                let samples = (0..<Int(seconds * Double(rate))).map { n -> Float in
                    seed = seed &* 6364136223846793005 &+ 1442695040888963407
                    let noise = Float(Int64(bitPattern: seed) >> 40) / Float(1 << 23) * 0.02
                    return Float(0.3 * sin(2 * Double.pi * 200 * Double(c + 1 + i % 2) * Double(n) / Double(rate))) + noise
                }
                let relative = "audio/\(label)/\(label)_\(i).wav"
                try AudioFile.write(MonoAudio(samples: samples, sampleRate: rate), to: directory.file(relative))
                lines.append("\(relative),\(label),s\(i % speakers),\(i % 3 + 1),\(100 + 10 * i),\(i % 2 == 0 ? "en-us" : "en-gb")")
            }
        }
        manifest = lines.joined(separator: "\n") + "\n"
        try manifest.write(toFile: manifestPath, atomically: true, encoding: .utf8)
    }

    func write(_ text: String, to name: String) throws -> String {
        let path = directory.file(name)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
