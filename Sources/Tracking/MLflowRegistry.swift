import Foundation

/// MLflow's model registry over REST (`/api/2.0/mlflow/registered-models/…`,
/// `/model-versions/…`) and the experiment tags that choose its UI view.
extension MLflowClient {
    /// Creates the registered model `name` with `tags` unless it exists (its tags are then set).
    public func ensureRegisteredModel(name: String, tags: [MLflowKeyValue], description: String) throws {
        struct Request: Encodable { var name: String; var tags: [MLflowKeyValue]; var description: String }
        struct Tag: Encodable { var name: String; var key: String; var value: String }
        do {
            _ = try post("registered-models/create", Request(name: name, tags: tags, description: description), repeatable: false)
        } catch MLflowError.http(_, _, _, "RESOURCE_ALREADY_EXISTS"?, _) {
            for tag in tags { _ = try post("registered-models/set-tag", Tag(name: name, key: tag.key, value: tag.value), repeatable: true) }
        }
    }

    /// Creates a new version of registered model `name` whose files are at `source` (the run's
    /// artifact folder), from run `runId`; returns the version number MLflow gave it.
    public func createModelVersion(name: String, source: String, runId: String, tags: [MLflowKeyValue], description: String) throws -> String {
        struct Request: Encodable { var name: String; var source: String; var runId: String; var tags: [MLflowKeyValue]; var description: String }
        struct Response: Decodable { struct Version: Decodable { var version: String }; var modelVersion: Version }
        let data = try post("model-versions/create", Request(name: name, source: source, runId: runId, tags: tags, description: description),
                            repeatable: false)
        return try decode(Response.self, data, "POST /api/2.0/mlflow/model-versions/create").modelVersion.version
    }

    /// Sets tag `key` of experiment `experimentId` (e.g. `mlflow.experimentKind`).
    public func setExperimentTag(experimentId: String, key: String, value: String) throws {
        struct Request: Encodable { var experimentId: String; var key: String; var value: String }
        _ = try post("experiments/set-experiment-tag", Request(experimentId: experimentId, key: key, value: value), repeatable: true)
    }
}
