import ArgumentParser
import Foundation

/// The user's command line: `spectrofold <subcommand>`. Each subcommand lives in its own file.
@main
struct SpectroFold: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spectrofold",
        abstract: "Compare audio-spectrogram classifiers with k-fold cross-validation.",
        subcommands: [
            PrepareCommand.self,
            MakeDemoDataCommand.self,
            ModelCommand.self,
            MLflowCommand.self,
            KeysCommand.self,
            SweepCommand.self,
            SubmitCommand.self,
            StatusCommand.self,
            ReportCommand.self,
            PredictCommand.self,
            InspectCommand.self,
            RefitCommand.self,
        ]
    )

    /// Runs the subcommand with stdout line-buffered, so that output sent to a file or a pipe
    /// (`spectrofold submit --wait > submit.log`) shows each line when it is printed, not at exit.
    static func main() {
        setvbuf(stdout, nil, _IOLBF, 0)
        main(Array(CommandLine.arguments.dropFirst()))
    }
}
