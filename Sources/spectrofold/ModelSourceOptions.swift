import ArgumentParser
import Foundation
import Tracking
import Training

/// Where `predict` takes its model from: one job or refit folder, a model's fold jobs in a sweep
/// folder (an ensemble), or an MLflow run's artifacts.
struct ModelSourceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A job or refit folder (<sweep>/<model>/fold-<k>, <sweep>/<model>/refit).", valueName: "DIR"))
    var job: String?
    @Option(help: ArgumentHelp("A sweep folder: with --model, the mean of that model's fold models.", valueName: "DIR"))
    var sweep: String?
    @Option(help: ArgumentHelp("The model of --sweep whose folds to average.", valueName: "NAME"))
    var model: String?
    @Option(help: ArgumentHelp("An MLflow run holding a model (runs:/<run id>, or runs:/<run id>/<artifact folder>; default folder 'model').",
                               valueName: "RUNS_URI"))
    var run: String?
    @Option(help: ArgumentHelp("MLflow tracking URI for --run (else MLFLOW_TRACKING_URI).", valueName: "URI"))
    var mlflow: String?

    func validate() throws {
        let given = [job != nil, sweep != nil, run != nil].filter { $0 }.count
        guard given == 1 else { throw ValidationError("give exactly one of --job DIR, --sweep DIR --model NAME, --run RUNS_URI") }
        guard (sweep == nil) == (model == nil) else { throw ValidationError("--sweep and --model go together") }
    }

    /// The trained models, read and checked.
    func load() throws -> [TrainedModel] {
        if let job { return [try TrainedModel(directory: job)] }
        if let sweep, let model { return try SweepFolder(directory: sweep).jobDirectories(model: model).map { try TrainedModel(directory: $0) } }
        return [try downloadRun()]
    }

    /// The run's model card and state dict, fetched through the tracking server into a scratch
    /// folder (removed once the model is loaded).
    private func downloadRun() throws -> TrainedModel {
        let (runId, folder) = try Self.parse(runsURI: run!)
        guard let uri = mlflow ?? ProcessInfo.processInfo.environment["MLFLOW_TRACKING_URI"], !uri.isEmpty else {
            throw ValidationError("--run needs a tracking server: --mlflow URI or MLFLOW_TRACKING_URI")
        }
        let client = try MLflowClient(uri: uri, credentials: try MLflowCredentials(environment: ProcessInfo.processInfo.environment))
        let artifactURI = try client.run(id: runId).info.artifactUri
        let scratch = NSTemporaryDirectory() + "spectrofold-run-\(runId)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let card = (scratch as NSString).appendingPathComponent(ModelCard.fileName)
        try client.downloadArtifact(artifactURI: artifactURI, artifactPath: "\(folder)/\(ModelCard.fileName)", to: card)
        let stateDict = try ModelCard.read(contentsOf: card).stateDict.file
        try client.downloadArtifact(artifactURI: artifactURI, artifactPath: "\(folder)/\(stateDict)",
                                    to: (scratch as NSString).appendingPathComponent(stateDict))
        return try TrainedModel(directory: scratch)
    }

    /// The MLflow run that holds the one model given (a job's or refit's child run, found by its
    /// sweep id and job name among finished runs, or `--run`), for `--register`.
    func trackedRun(_ card: ModelCard, settings: TrackingSettings) throws -> (runId: String, artifactURI: String) {
        guard sweep == nil else { throw ValidationError("--register takes one model (--job or --run), not a fold ensemble") }
        let client = try MLflowClient(uri: settings.uri, credentials: try MLflowCredentials(environment: ProcessInfo.processInfo.environment))
        if let run {
            let found = try client.run(id: try Self.parse(runsURI: run).runId)
            return (found.info.runId, found.info.artifactUri)
        }
        guard let found = try ModelRegistration.finishedRun(job: card.job, sweepId: card.sweep.id, client: client, settings: settings) else {
            throw ValidationError("no finished run \(card.job) of sweep \(card.sweep.id) in experiment '\(settings.experiment)' at \(settings.uri) "
                                  + "(give the sweep's with --experiment)")
        }
        return (found.info.runId, found.info.artifactUri)
    }

    /// `runs:/<run id>[/<folder>]` → (run id, folder; "model" when none is given).
    static func parse(runsURI: String) throws -> (runId: String, folder: String) {
        guard runsURI.hasPrefix("runs:/") else { throw ValidationError("--run: '\(runsURI)' is not a runs:/<run id> URI") }
        let parts = runsURI.dropFirst("runs:/".count).split(separator: "/", maxSplits: 1).map(String.init)
        guard let runId = parts.first, !runId.isEmpty else { throw ValidationError("--run: '\(runsURI)' names no run") }
        return (runId, parts.count > 1 ? parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "/")) : "model")
    }
}
