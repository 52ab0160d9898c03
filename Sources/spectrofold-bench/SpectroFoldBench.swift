import ArgumentParser

/// `spectrofold-bench`: speed measurements of the engine and the models, as JSON for scripts.
@main
struct SpectroFoldBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spectrofold-bench",
        abstract: "Measure SpectroFold's speed (release builds only).",
        subcommands: [OpsBenchmark.self, TrainBenchmark.self, ClusterBenchmark.self, SweepBenchmark.self, SoakBenchmark.self])
}
