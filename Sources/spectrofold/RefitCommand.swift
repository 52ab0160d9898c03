import ArgumentParser
import Cluster
import Config
import Data
import Foundation
import ModelNames
import Tracking
import Training

/// `spectrofold refit --sweep DIR --model M`: the chosen model trained once more on all the data
/// with the sweep's settings, into `DIR/<model>/refit/` and a child run `<model>/refit` under the
/// sweep's parent run; `--register NAME` then records it in MLflow's model registry.
struct RefitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refit",
        abstract: "Train a sweep's chosen model on all the data (DIR/<model>/refit), optionally registering it in MLflow.",
        discussion: """
        The sweep's config.yaml with --set overrides; --data trains on other data (another manifest or pack with the \
        same classes). refit.selection: last (default) trains for the median of the epochs the model's jobs chose; \
        inner lets a selection part split off all the data choose.
        """)

    @Option(help: ArgumentHelp("The sweep's output folder (results.json, config.yaml).", valueName: "DIR")) var sweep: String
    @Option(help: ArgumentHelp("The model to refit.", valueName: "NAME")) var model: ModelName
    @Option(help: ArgumentHelp("Train on this manifest, class folder or pack instead of the sweep's data.", valueName: "DIR_OR_CSV"))
    var data: String?
    @Option(name: .customLong("set"), help: ArgumentHelp("Override one key of the sweep's configuration (repeatable).", valueName: "key=value"))
    var overrides: [String] = []
    @Option(help: ArgumentHelp("MLflow tracking URI (else tracking.uri, else MLFLOW_TRACKING_URI).", valueName: "URI")) var mlflow: String?
    @Option(help: "MLflow experiment (else tracking.experiment, else MLFLOW_EXPERIMENT_NAME, else spectrofold).") var experiment: String?
    @Flag(help: "Run without MLflow.") var noTracking = false
    @Option(help: ArgumentHelp("Register the refit model in MLflow's model registry under NAME.", valueName: "NAME")) var register: String?

    func run() throws {
        let folder = try SweepFolder(directory: sweep)
        let config: SweepConfig
        do {
            config = try ConfigLoader.load(file: folder.configFile, overrides: (data.map { ["data.source=\($0)"] } ?? []) + overrides)
        } catch let error as ConfigError {
            throw ValidationError(error.description)
        }
        let settings = try TrackingSettings.forRun(noTracking: noTracking, flagURI: mlflow, flagExperiment: experiment, config: config)
        if register != nil && settings == nil {
            throw ValidationError("--register needs MLflow: drop --no-tracking and give --mlflow URI or MLFLOW_TRACKING_URI")
        }
        let refit = try Refit(model: model, origin: try Refit.Origin(model: model, sweep: folder), config: config)
        let jobCard = try ModelCard.read(contentsOf: (try folder.jobDirectories(model: model.rawValue)[0] as NSString).appendingPathComponent(ModelCard.fileName))
        let directory = (sweep as NSString).appendingPathComponent(Refit.path(model))
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Other data is prepared beside the refit, never over the sweep's own pack.
        let pack = try PackPreparation.featurePack(config, cacheDirectory: data == nil ? sweep : directory)
        guard pack.classes == jobCard.classes else {
            throw ValidationError("the data's classes (\(pack.classes.joined(separator: ", "))) differ from the sweep's (\(jobCard.classes.joined(separator: ", ")))")
        }
        let training = try ModelTraining(sweepId: jobCard.sweep.id, config: config, pack: pack, starts: try PretrainedStart.starts(of: config))
        print("refit \(model) of sweep \(jobCard.sweep.id) on \(pack.count) examples" + (pack.inputFingerprint == jobCard.training.packFingerprint
            ? " (the comparison's data)" : " (other data than the comparison's: \(config.data.source))"))
        for note in refit.notes { print("  \(note)") }
        let configFile = (directory as NSString).appendingPathComponent("config.yaml")
        try config.resolvedYAML.write(toFile: configFile, atomically: true, encoding: .utf8)

        let tracking = try settings.map { try RefitTracking(settings: $0, sweepDirectory: sweep, sweepId: jobCard.sweep.id, model: model) }
        try tracking?.started(refit.params(training), dataset: DatasetReference(name: (config.data.source as NSString).lastPathComponent,
                                                                               digest: pack.inputFingerprint, source: config.data.source))
        let display = JobProgress(title: Refit.path(model), epochs: refit.settings.epochs)
        let (outcome, artifacts) = try refit.run(training, directory: directory, observer: tracking?.observer(display) ?? display)
        print("\(Refit.path(model)): \(outcome.epochs.count) epochs, weights after epoch \((outcome.bestEpoch ?? 0) + 1); model in \(directory)")
        guard let tracking else { return }
        let run = try tracking.finished(artifacts: artifacts, configFile: configFile, scores: refit.scores)
        print("MLflow: child run \(Refit.path(model)) \(run.runId) under sweep \(jobCard.sweep.id)")
        if let register {
            let card = try ModelCard.read(contentsOf: artifacts.modelCard)
            let version = try ModelRegistration.register(name: register, runId: run.runId, artifactURI: run.artifactURI, card: card,
                                                         settings: tracking.settings)
            print("registered model '\(register)' version \(version) (source \(run.artifactURI)/model)")
        }
    }
}

/// The refit's child run `<model>/refit` under the sweep's parent run (found by its `sweep_id`
/// key), recorded through an outbox in the sweep's folder: params at the start, epochs, the
/// model's files (`model/…`) and the comparison's scores (`cv/<score>_mean`, `_std`) at the end.
private final class RefitTracking {
    let settings: TrackingSettings
    private let tracker: SweepTracker
    private let job: JobIdentity
    private let model: ModelName

    init(settings: TrackingSettings, sweepDirectory: String, sweepId: String, model: ModelName) throws {
        let credentials = try MLflowCredentials(environment: ProcessInfo.processInfo.environment)
        _ = try TrackingPreflight.check(settings, credentials: credentials)
        let outbox = try TrackingOutbox(path: (sweepDirectory as NSString).appendingPathComponent(TrackingOutbox.defaultFileName))
        tracker = try SweepTracker(outbox: outbox, settings: settings, credentials: credentials)
        let jobId = "\(sweepId)/\(Refit.path(model))"
        job = JobIdentity(sweepId: sweepId, jobId: jobId, attempt: try tracker.nextAttempt(sweepId: sweepId, jobId: jobId))
        self.settings = settings
        self.model = model
    }

    func started(_ params: [String: String], dataset: DatasetReference) throws {
        try tracker.jobStarted(JobStart(job: job, name: Refit.path(model), model: model.rawValue, repeat: nil, fold: nil, worker: "local",
                                        params: params.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, dataset: dataset))
    }

    func observer(_ display: TrainerObserver) -> TrainerObserver { EpochTracking(tracker: tracker, job: job, display: display) }

    /// Ends the run, delivers everything and returns the run's id and artifact URI; an error when
    /// MLflow has not taken it all (the events stay in the outbox for `spectrofold mlflow flush`).
    func finished(artifacts: JobArtifacts, configFile: String, scores: ModelCard.HeldOutScores) throws -> (runId: String, artifactURI: String) {
        try tracker.runFinished(job, metrics: scores.crossValidationMetrics,
                                artifacts: ArtifactFile.of(artifacts) + [ArtifactFile(localPath: configFile, artifactPath: "model/config.yaml")])
        let report = tracker.flush()
        tracker.close()
        guard report.pending == 0, let run = try tracker.delivered(job) else {
            throw ValidationError("MLflow has not taken the refit run yet (\(report)); deliver it with `spectrofold mlflow flush --state \(tracker.outbox.path)`")
        }
        return run
    }
}
