import ArgumentParser

/// The user's command line: `spectrofold <subcommand>`.
@main
struct SpectroFold: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spectrofold",
        abstract: "Compare audio-spectrogram classifiers with k-fold cross-validation.",
        subcommands: [KeysCommand.self]
    )
}
