import ArgumentParser
import Config
import Data
import Foundation
import TerminalProgress
import Tracking
import Training

/// `spectrofold sweep --local`: every model × fold job of a comparison in this process.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a comparison sweep (every model × fold) and report mean ± std per model.",
        discussion: """
        Without --config the common settings are flags. Results go to --out: results.json, \
        comparison.md, config.yaml (the resolved configuration) and DIR/<model>/fold-<k>/ per job
        (DIR/<model>/rep-<r>/fold-<k>/ with folds.repeats > 1).
        """)

    @OptionGroup var configuration: ConfigOptions
    @Flag(help: "Run the jobs in this process (the distributed path is `spectrofold submit`).") var local = false
    @Option(help: ArgumentHelp("Results directory.", valueName: "DIR")) var out: String
    @OptionGroup var flags: SweepFlags
    @Option(help: ArgumentHelp("MLflow tracking URI (else tracking.uri, else MLFLOW_TRACKING_URI).", valueName: "URI")) var mlflow: String?
    @Flag(help: "Run without MLflow.") var noTracking = false

    func run() throws {
        guard local else {
            throw ValidationError("sweep runs in this process only with --local; to use workers, submit it to a coordinator with `spectrofold submit`")
        }
        let config = try configuration.load(flagOverrides: flags.overrides)
        let settings = try TrackingSettings.forRun(noTracking: noTracking, flagURI: mlflow, flagExperiment: flags.experiment, config: config)
        print("resolved configuration:\n" + config.resolvedYAML)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let configFile = (out as NSString).appendingPathComponent("config.yaml")
        try config.resolvedYAML.write(toFile: configFile, atomically: true, encoding: .utf8)
        let pack = try PackPreparation.featurePack(config, cacheDirectory: out)
        let folds = try FoldAssignment.repeated(config.folds.strategy, pack: pack, k: config.folds.k, repeats: config.folds.repeats,
                                                seed: UInt64(config.seed))
        let sweepId = "\(config.name)-\(UUID().uuidString.prefix(8).lowercased())"
        let sweep = try ComparisonSweep(sweepId: sweepId, config: config, pack: pack, folds: folds, starts: try PretrainedStart.starts(of: config),
                                        outputDirectory: out)
        let started = Date()
        let progress = SweepProgress(jobs: sweep.runner.jobs.count, config: config)
        var tracking: SweepTracking?
        if let settings {
            tracking = try SweepTracking(settings: settings, directory: out, sweepId: sweepId, display: progress,
                                         dataset: DatasetReference(name: (config.data.source as NSString).lastPathComponent,
                                                                   digest: pack.contentDigest, source: config.data.source))
            try tracking!.sweepStarted(config, configFile: configFile)
            print("tracking: sweep \(tracking!.sweepId) in experiment '\(settings.experiment)' at \(settings.uri)")
        }
        let results = try sweep.run(observer: tracking ?? progress)
        progress.finish()
        try tracking?.sweepFinished(results, reportFiles: sweep.reportFiles)
        print("\n" + results.markdownTable)
        print(String(format: "\nsweep '%@': %d jobs in %.1f s; results in %@", config.name as NSString, results.jobs.count,
                     Date().timeIntervalSince(started), out as NSString))
        if let settings, let tracking {
            print("MLflow: \(settings.uri)/#/experiments (experiment '\(settings.experiment)', sweep \(tracking.sweepId))")
        }
        let failed = results.jobs.filter { $0.status != .finished }
        if !failed.isEmpty {
            for job in failed { print("FAILED \(sweep.runner.path(job.key)): \(job.error ?? "")") }
            throw ExitCode(1)
        }
    }
}
