import ArgumentParser
import Data
import Foundation
import TerminalProgress

/// `spectrofold prepare`: decode and featurise a dataset once into a feature pack.
struct PrepareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare",
        abstract: "Decode and featurise a dataset into a feature pack (safetensors).",
        discussion: """
        DIR_OR_CSV is a manifest CSV (columns named by data.path_column, data.label_column, ...) or a \
        folder with one subfolder per class. The pack is not rebuilt when the files, the manifest and \
        the parameters are unchanged. Unreadable files are skipped and listed, or stop the run, as \
        data.on_error says.
        """)

    @Option(name: .customLong("data"), help: ArgumentHelp("Manifest CSV or class-per-folder directory (default: data.source).", valueName: "DIR_OR_CSV"))
    var data: String?

    @Option(name: .customLong("out"), help: ArgumentHelp("The feature pack to write.", valueName: "PACK"))
    var output: String

    @OptionGroup var configuration: ConfigOptions

    func run() throws {
        let config = try configuration.load()
        guard let source = data ?? (config.data.source.isEmpty ? nil : config.data.source) else {
            throw ValidationError("no dataset: pass --data DIR_OR_CSV or set data.source")
        }
        let manifest = try Manifest.load(source, columns: config.manifestColumns)
        let builder = FeaturePackBuilder(manifest: manifest, parameters: config.fbankParameters,
                                         acousticDescriptors: config.data.acousticDescriptors, onBadFile: config.badFilePolicy)
        print("prepare: \(manifest.entries.count) files, \(manifest.classes.count) classes from \(source)")
        let started = Date()
        let bar = ProgressBar(title: "prepare", total: manifest.entries.count, unit: "files")
        let outcome = try builder.prepare(output: output) { done, _ in bar.update(completed: done) }
        if outcome.reused {
            print("\(output) is up to date (same files and parameters); not rebuilt")
            return
        }
        bar.finish()
        let seconds = Date().timeIntervalSince(started)
        let size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? NSNumber)?.int64Value ?? 0
        let pack = outcome.pack
        print(String(format: "wrote %@: %d examples × (%d, %d), %d metadata columns, %.1f MB; %.1f files/s",
                     output, pack.count, pack.parameters.numMelBins, pack.parameters.frames, pack.metadataColumns.count,
                     Double(size) / 1e6, Double(manifest.entries.count) / seconds))
        if !outcome.skipped.isEmpty {
            print("skipped \(outcome.skipped.count) of \(manifest.entries.count) files (data.on_error: skip):")
            for line in outcome.skipped { print("  \(line)") }
        }
    }
}
