import ArgumentParser
import Foundation
import Training

/// `spectrofold report DIR`: rebuilds a sweep folder's report (report.html and the comparison
/// files beside it) from its results.json and sweep.json, e.g. after the charts changed.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Rebuild a sweep folder's report.html (and comparison files) from its results.json.",
        discussion: """
        DIR is a local sweep's --out folder or a coordinator's state/sweeps/<id>. The configuration, \
        dataset, wall time and workers come from DIR/sweep.json; a folder without one (written \
        before sweep.json existed) gets its configuration from config.yaml and says the rest was not \
        recorded.
        """)

    @Argument(help: ArgumentHelp("The sweep folder.", valueName: "DIR")) var directory: String
    @Option(help: "What the summed confusion matrices' cells show: shares (of the row, with the count beneath) or counts.")
    var confusionCells: ConfusionCells = .shares

    func run() throws {
        let results: SweepResults
        do {
            results = try SweepResults.read(fromSweepFolder: directory)
        } catch {
            throw ValidationError("\(directory): cannot read results.json: \(error)")
        }
        let context = try SweepContext.load(fromSweepFolder: directory)
        let written = try results.writeReport(to: directory, context: context, confusionCells: confusionCells)
        print("wrote \(written.count) files in \(directory): \((directory as NSString).appendingPathComponent(SweepReport.fileName)) and "
              + written.map { ($0 as NSString).lastPathComponent }.filter { $0 != SweepReport.fileName }.joined(separator: ", "))
    }
}

extension ConfusionCells: ExpressibleByArgument {}
