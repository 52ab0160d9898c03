import Foundation
import RunRecords

/// A client for an MLflow tracking server's REST API (`/api/2.0/mlflow`) and its artifact proxy
/// (`/api/2.0/mlflow-artifacts`). Calls are synchronous. Those safe to repeat (gets, searches,
/// log-batch, set-tag, update, log-inputs, artifact PUT) are retried with backoff on transient
/// failures; experiment and run creation are sent once (`SweepTracker` makes run creation
/// idempotent by searching for a key tag first).
///
/// ```swift
/// let client = try MLflowClient(uri: "http://127.0.0.1:5000", credentials: .none)
/// let experiment = try client.ensureExperiment(named: "spectrofold")
/// let run = try client.createRun(experimentId: experiment.experimentId, name: "ast/fold-0", startTime: now, tags: [])
/// try client.logBatch(runId: run.info.runId, metrics: [MLflowMetric(key: "val_loss", value: 0.7, timestamp: now, step: 1)])
/// ```
public final class MLflowClient: @unchecked Sendable {
    public let endpoint: MLflowEndpoint
    let http: MLflowHTTP
    private let encoder = JSONCoding.mlflowEncoder(keys: .convertToSnakeCase)
    private let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    /// `timeout`: seconds a request may wait for the server's next bytes.
    public init(uri: String, credentials: MLflowCredentials, retry: MLflowRetryPolicy = .standard, timeout: TimeInterval = 30) throws {
        endpoint = try MLflowEndpoint(uri: uri)
        http = MLflowHTTP(endpoint: endpoint, credentials: credentials, retry: retry, timeout: timeout)
    }

    // MARK: - Experiments

    /// The experiment named `name`, or nil when there is none.
    public func experiment(named name: String) throws -> MLflowExperiment? {
        struct Response: Decodable { var experiment: MLflowExperiment }
        do {
            let data = try http.send("GET", "/api/2.0/mlflow/experiments/get-by-name",
                                     query: [URLQueryItem(name: "experiment_name", value: name)], repeatable: true)
            return try decode(Response.self, data, "GET /api/2.0/mlflow/experiments/get-by-name").experiment
        } catch MLflowError.http(_, _, 404, "RESOURCE_DOES_NOT_EXIST"?, _) {
            return nil
        }
    }

    /// The experiment named `name`, created if missing (also when another client creates it at
    /// the same moment).
    public func ensureExperiment(named name: String) throws -> MLflowExperiment {
        if let experiment = try experiment(named: name) { return experiment }
        struct Request: Encodable { var name: String }
        do {
            _ = try post("experiments/create", Request(name: name), repeatable: false)
        } catch MLflowError.http(_, _, _, "RESOURCE_ALREADY_EXISTS"?, _) {}
        guard let experiment = try experiment(named: name) else {
            throw MLflowError.unexpectedResponse(uri: endpoint.uri, request: "POST /api/2.0/mlflow/experiments/create",
                                                 message: "experiment '\(name)' was created but cannot be found by name")
        }
        return experiment
    }

    // MARK: - Runs

    /// Creates a run (sent once: a lost answer may still have created it).
    public func createRun(experimentId: String, name: String, startTime: Int64, tags: [MLflowKeyValue]) throws -> MLflowRun {
        struct Request: Encodable { var experimentId: String; var runName: String; var startTime: Int64; var tags: [MLflowKeyValue] }
        struct Response: Decodable { var run: MLflowRun }
        let data = try post("runs/create", Request(experimentId: experimentId, runName: name, startTime: startTime, tags: tags), repeatable: false)
        return try decode(Response.self, data, "POST /api/2.0/mlflow/runs/create").run
    }

    /// Active runs of the experiments matching `filter` (MLflow's search syntax), newest first.
    public func searchRuns(experimentIds: [String], filter: String, maxResults: Int = 1000) throws -> [MLflowRun] {
        struct Request: Encodable { var experimentIds: [String]; var filter: String; var maxResults: Int; var orderBy: [String] }
        struct Response: Decodable { var runs: [MLflowRun]? }
        let request = Request(experimentIds: experimentIds, filter: filter, maxResults: maxResults, orderBy: ["attributes.start_time DESC"])
        let data = try post("runs/search", request, repeatable: true)
        return try decode(Response.self, data, "POST /api/2.0/mlflow/runs/search").runs ?? []
    }

    /// The run with id `runId`.
    public func run(id runId: String) throws -> MLflowRun {
        struct Response: Decodable { var run: MLflowRun }
        let data = try http.send("GET", "/api/2.0/mlflow/runs/get", query: [URLQueryItem(name: "run_id", value: runId)], repeatable: true)
        return try decode(Response.self, data, "GET /api/2.0/mlflow/runs/get").run
    }

    /// Sets a run's status and, when it ended, its end time (ms since 1970).
    public func updateRun(runId: String, status: MLflowRunStatus, endTime: Int64?) throws {
        struct Request: Encodable { var runId: String; var status: MLflowRunStatus; var endTime: Int64? }
        _ = try post("runs/update", Request(runId: runId, status: status, endTime: endTime), repeatable: true)
    }

    /// Logs metrics, params and tags in as many requests as MLflow's limits need.
    public func logBatch(runId: String, metrics: [MLflowMetric] = [], params: [MLflowKeyValue] = [], tags: [MLflowKeyValue] = []) throws {
        struct Request: Encodable { var runId: String; var metrics: [MLflowMetric]; var params: [MLflowKeyValue]; var tags: [MLflowKeyValue] }
        for batch in MLflowBatch.split(metrics: metrics, params: params, tags: tags) {
            _ = try post("runs/log-batch", Request(runId: runId, metrics: batch.metrics, params: batch.params, tags: batch.tags), repeatable: true)
        }
    }

    public func setTag(runId: String, key: String, value: String) throws {
        struct Request: Encodable { var runId: String; var key: String; var value: String }
        _ = try post("runs/set-tag", Request(runId: runId, key: key, value: value), repeatable: true)
    }

    /// Records the datasets a run used.
    public func logInputs(runId: String, datasets: [MLflowDatasetInput]) throws {
        struct Request: Encodable { var runId: String; var datasets: [MLflowDatasetInput] }
        _ = try post("runs/log-inputs", Request(runId: runId, datasets: datasets), repeatable: true)
    }

    // MARK: - Artifacts

    /// Uploads the file at `localPath` as `artifactPath` (e.g. "model/state_dict.safetensors")
    /// of the run whose artifact URI is `artifactURI`, through the server's artifact proxy:
    /// `mlflow-artifacts:/1/<run>/artifacts` becomes
    /// `PUT /api/2.0/mlflow-artifacts/artifacts/1/<run>/artifacts/<artifactPath>`.
    public func uploadArtifact(artifactURI: String, artifactPath: String, localPath: String) throws {
        let path = try proxiedPath(artifactURI, artifactPath)
        let contents = try Data(contentsOf: URL(fileURLWithPath: localPath), options: .alwaysMapped)
        _ = try http.send("PUT", path, body: contents, contentType: "application/octet-stream", repeatable: true)
    }

    /// Downloads `artifactPath` of the run whose artifact URI is `artifactURI` into `localPath`,
    /// through the server's artifact proxy (the reverse of `uploadArtifact`).
    public func downloadArtifact(artifactURI: String, artifactPath: String, to localPath: String) throws {
        let data = try http.send("GET", try proxiedPath(artifactURI, artifactPath), repeatable: true)
        try data.write(to: URL(fileURLWithPath: localPath), options: .atomic)
    }

    /// `/api/2.0/mlflow-artifacts/artifacts/<experiment>/<run>/artifacts/<artifactPath>` for a
    /// run's `mlflow-artifacts:/<experiment>/<run>/artifacts` URI.
    private func proxiedPath(_ artifactURI: String, _ artifactPath: String) throws -> String {
        guard artifactURI.hasPrefix("mlflow-artifacts:"),
              let proxied = URLComponents(string: artifactURI)?.path.trimmingCharacters(in: CharacterSet(charactersIn: "/")),
              !proxied.isEmpty else {
            throw MLflowError.artifactProxyUnavailable(uri: endpoint.uri, artifactURI: artifactURI)
        }
        return "/api/2.0/mlflow-artifacts/artifacts/" + "\(proxied)/\(artifactPath)".addingPercentEncoding(withAllowedCharacters: .urlPathAllowed)!
    }

    // MARK: - Coding

    func post<Body: Encodable>(_ method: String, _ body: Body, repeatable: Bool) throws -> Data {
        try http.send("POST", "/api/2.0/mlflow/" + method, body: try encoder.encode(body), repeatable: repeatable)
    }

    func decode<T: Decodable>(_ type: T.Type, _ data: Data, _ request: String) throws -> T {
        do {
            return try decoder.decode(type, from: data)
        } catch {
            throw MLflowError.unexpectedResponse(uri: endpoint.uri, request: request, message: "\(error)")
        }
    }
}
