import ArgumentParser
import Foundation
import RunRecords
import Tracking
import Training

/// Records a model whose files are in an MLflow run's `model/` artifacts (state dict,
/// spectrofold-model.json, config.yaml) in MLflow's model registry: the registered model `name`
/// (created once) and a new version from that run, tagged with the sweep and the model's scores
/// in the comparison; the experiment is marked as model training
/// (`mlflow.experimentKind` = `custom_model_development`) so MLflow's UI opens its training view.
enum ModelRegistration {
    /// Registers and returns the new version's number.
    static func register(name: String, runId: String, artifactURI: String, card: ModelCard, settings: TrackingSettings) throws -> String {
        let client = try MLflowClient(uri: settings.uri, credentials: try MLflowCredentials(environment: ProcessInfo.processInfo.environment))
        let experiment = try client.ensureExperiment(named: settings.experiment)
        try client.setExperimentTag(experimentId: experiment.experimentId, key: "mlflow.experimentKind", value: "custom_model_development")
        try client.ensureRegisteredModel(name: name, tags: [MLflowKeyValue("spectrofold.model", card.model.rawValue)],
                                         description: "SpectroFold \(card.model) (\(card.preset)) classifying \(card.classes.joined(separator: ", "))")
        let scores = card.scores.mean.sorted { $0.key < $1.key }.map { MLflowKeyValue("\(card.scores.scope).\($0.key)_mean", String($0.value)) }
            + card.scores.std.sorted { $0.key < $1.key }.map { MLflowKeyValue("\(card.scores.scope).\($0.key)_std", String($0.value)) }
        let tags = [MLflowKeyValue("sweep_id", card.sweep.id), MLflowKeyValue("sweep_name", card.sweep.name), MLflowKeyValue("job", card.job),
                    MLflowKeyValue("model", card.model.rawValue), MLflowKeyValue("preset", card.preset), MLflowKeyValue("model_version", card.modelVersion),
                    MLflowKeyValue("scores_jobs", String(card.scores.jobs))] + scores
        let accuracy = card.scores.mean[.accuracy].map { String(format: "%.4f", $0) } ?? "?"
        let description = "\(card.job) of sweep \(card.sweep.id); \(card.scores.scope) accuracy \(accuracy) over \(card.scores.jobs) job(s)"
        return try client.createModelVersion(name: name, source: artifactURI + "/model", runId: runId, tags: tags, description: description)
    }

    /// The finished child run `job` (e.g. `<model>/refit`) of sweep `sweepId` in `settings`'
    /// experiment, nil while MLflow has none.
    static func finishedRun(job: String, sweepId: String, client: MLflowClient, settings: TrackingSettings) throws -> MLflowRun? {
        guard let experiment = try client.experiment(named: settings.experiment) else { return nil }
        let filter = "tags.sweep_id = '\(sweepId)' and attributes.run_name = '\(job)' and attributes.status = 'FINISHED'"
        return try client.searchRuns(experimentIds: [experiment.experimentId], filter: filter, maxResults: 1).first
    }

    /// Registers the model of the finished child run `job` of sweep `sweepId` once MLflow has it
    /// (a coordinator delivers runs in the background; waits up to `timeout` seconds), reading its
    /// card from the run's `model/` artifacts. Returns the version, the run's id and artifact URI.
    static func registerDelivered(job: String, sweepId: String, as name: String, settings: TrackingSettings,
                                  timeout: TimeInterval) throws -> (version: String, runId: String, artifactURI: String) {
        let client = try MLflowClient(uri: settings.uri, credentials: try MLflowCredentials(environment: ProcessInfo.processInfo.environment))
        let deadline = Date().addingTimeInterval(timeout)
        var run = try finishedRun(job: job, sweepId: sweepId, client: client, settings: settings)
        while run == nil {
            guard Date() < deadline else {
                throw ValidationError("MLflow at \(settings.uri) has no finished run \(job) of sweep \(sweepId) in experiment "
                                      + "'\(settings.experiment)' after \(Int(timeout)) s (give the sweep's with --experiment)")
            }
            Thread.sleep(forTimeInterval: 2)
            run = try finishedRun(job: job, sweepId: sweepId, client: client, settings: settings)
        }
        let info = run!.info
        let cardFile = NSTemporaryDirectory() + "spectrofold-card-\(info.runId)-\(UUID().uuidString.prefix(8)).json"
        defer { try? FileManager.default.removeItem(atPath: cardFile) }
        try client.downloadArtifact(artifactURI: info.artifactUri, artifactPath: "model/\(ModelCard.fileName)", to: cardFile)
        let version = try register(name: name, runId: info.runId, artifactURI: info.artifactUri, card: try ModelCard.read(contentsOf: cardFile),
                                   settings: settings)
        return (version, info.runId, info.artifactUri)
    }
}
