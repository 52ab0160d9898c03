import ArgumentParser
import Data
import Foundation
import TerminalProgress

/// `spectrofold make-demo-data`: synthesise the spoken-digit demo dataset with espeak-ng.
struct MakeDemoDataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make-demo-data",
        abstract: "Synthesise the spoken-digit demo dataset (espeak-ng voices, speeds, pitches, noise).",
        discussion: """
        Writes DIR/audio/<voice>/<digit>_<n>.wav and DIR/manifest.csv with the columns path, label, \
        group (one per voice), voice, speed, pitch and snr_db. configs/demo.yaml reads it.
        """)

    @Option(name: .customLong("out"), help: ArgumentHelp("Folder to write the dataset into.", valueName: "DIR"))
    var output: String

    @Option(help: "Clips per voice and digit.")
    var variants = 4

    @Option(help: "Seed for speeds, pitches, offsets, noise and SNRs.")
    var seed: UInt64 = 0

    func validate() throws {
        guard variants >= 1 else { throw ValidationError("--variants must be at least 1") }
    }

    func run() throws {
        let espeak = try DemoDataset.findEspeak()
        let dataset = DemoDataset(voices: try DemoDataset.englishVoices(espeak: espeak), variants: variants, seed: seed, espeak: espeak)
        print("make-demo-data: \(dataset.clipCount) clips: 10 digits × \(dataset.voices.count) voices (\(dataset.voices.joined(separator: ", "))) × \(variants)")
        let bar = ProgressBar(title: "make-demo-data", total: dataset.clipCount, unit: "clips")
        let manifest = try dataset.write(to: output) { done, _ in bar.update(completed: done) }
        bar.finish()
        print("wrote \(manifest)")
    }
}
