import ArgumentParser
import Config

/// `--config FILE` and repeatable `--set key=value`, shared by every subcommand that reads a
/// sweep configuration: `@OptionGroup var configuration: ConfigOptions`.
struct ConfigOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: "A sweep configuration (YAML); defaults in code otherwise.")
    var file: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override one key, e.g. --set folds.k=3 (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    /// The resolved configuration; a bad file or key is a usage error naming file, line and key.
    /// `flagOverrides` (a command's own flags) apply after the file and before `--set`.
    func load(flagOverrides: [String] = []) throws -> SweepConfig {
        do {
            return try ConfigLoader.load(file: file, overrides: flagOverrides + overrides)
        } catch let error as ConfigError {
            throw ValidationError(error.description)
        }
    }
}
