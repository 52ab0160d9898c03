import ArgumentParser

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
}
