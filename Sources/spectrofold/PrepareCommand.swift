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
        _ = try PackPreparation.prepare(config, source: source, output: output)
    }
}
