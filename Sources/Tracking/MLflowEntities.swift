/// The REST API's entities (`/api/2.0/mlflow`), coded as its JSON with snake_case keys.

/// One point of a metric's history. `timestamp` is in milliseconds since 1970; an identical
/// point (key, value, timestamp, step) logged twice is stored once, which makes retries safe.
public struct MLflowMetric: Codable, Equatable, Sendable {
    public var key: String
    public var value: Double
    public var timestamp: Int64
    public var step: Int64

    public init(key: String, value: Double, timestamp: Int64, step: Int64) {
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.step = step
    }
}

/// A run parameter or tag.
public struct MLflowKeyValue: Codable, Equatable, Sendable {
    public var key: String
    public var value: String

    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

/// A dataset a run used (log-inputs). MLflow keeps at most 36 characters of `digest`.
public struct MLflowDataset: Codable, Equatable, Sendable {
    public var name: String
    public var digest: String
    /// e.g. "local"
    public var sourceType: String
    /// JSON text, e.g. `{"uri": "/data/pack.safetensors"}`
    public var source: String
}

public struct MLflowDatasetInput: Codable, Equatable, Sendable {
    public var tags: [MLflowKeyValue]
    public var dataset: MLflowDataset
}

public struct MLflowExperiment: Decodable, Equatable, Sendable {
    public var experimentId: String
    public var name: String
    /// Where its runs' artifacts go, e.g. `mlflow-artifacts:/1` behind the server's proxy.
    public var artifactLocation: String
}

/// What the server says about a run (`run.info` plus the tags of `run.data`).
public struct MLflowRun: Decodable, Sendable {
    public struct Info: Decodable, Sendable {
        public var runId: String
        public var experimentId: String
        public var status: String
        public var artifactUri: String
    }

    public struct RunData: Decodable, Sendable {
        public var tags: [MLflowKeyValue]?
    }

    public var info: Info
    public var data: RunData?

    /// The value of tag `key`, if set.
    public func tag(_ key: String) -> String? { data?.tags?.first { $0.key == key }?.value }
}

/// How a run ended (or that it is still going).
public enum MLflowRunStatus: String, Codable, Sendable {
    case running = "RUNNING"
    case finished = "FINISHED"
    case failed = "FAILED"
    case killed = "KILLED"
}
