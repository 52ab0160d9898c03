/// Where a sweep is recorded: an MLflow tracking server and an experiment on it.
///
/// The executables resolve it with `resolve(...)` from their flags, the sweep config and the
/// environment; the library never reads any of those itself.
public struct TrackingSettings: Codable, Equatable, Sendable {
    /// The tracking server, e.g. `http://127.0.0.1:5000` (validated by `MLflowEndpoint`).
    public var uri: String
    /// The experiment's name; created on first use.
    public var experiment: String
    /// Where `uri` came from ("--mlflow", "the config file", "MLFLOW_TRACKING_URI"), for errors.
    public var uriSource: String

    public static let defaultExperiment = "spectrofold"

    public init(uri: String, experiment: String, uriSource: String = "--mlflow") {
        self.uri = uri
        self.experiment = experiment
        self.uriSource = uriSource
    }

    /// Resolves the destination: an explicit flag wins over the config file, which wins over
    /// MLflow's own `MLFLOW_TRACKING_URI` / `MLFLOW_EXPERIMENT_NAME`; the experiment falls back
    /// to "spectrofold". Empty strings count as unset (the config file's default is "").
    ///
    /// Throws `TrackingSettingsError.noTrackingURI` when no URI is given anywhere (the caller
    /// decides whether that means `--no-tracking`).
    public static func resolve(
        flagURI: String?, flagExperiment: String?,
        configURI: String?, configExperiment: String?,
        environment: [String: String]
    ) throws -> TrackingSettings {
        func firstSet(_ candidates: [(String?, String)]) -> (value: String, source: String)? {
            for (value, source) in candidates {
                if let value, !value.isEmpty { return (value, source) }
            }
            return nil
        }
        guard let uri = firstSet([
            (flagURI, "--mlflow"), (configURI, "the config file (tracking.uri)"),
            (environment["MLFLOW_TRACKING_URI"], "MLFLOW_TRACKING_URI"),
        ]) else { throw TrackingSettingsError.noTrackingURI }
        let experiment = firstSet([
            (flagExperiment, "--experiment"), (configExperiment, "the config file"),
            (environment["MLFLOW_EXPERIMENT_NAME"], "MLFLOW_EXPERIMENT_NAME"),
        ])?.value ?? defaultExperiment
        return TrackingSettings(uri: uri.value, experiment: experiment, uriSource: uri.source)
    }
}

public enum TrackingSettingsError: Error, CustomStringConvertible, Equatable {
    case noTrackingURI

    public var description: String {
        switch self {
        case .noTrackingURI:
            return "no MLflow tracking URI: pass --mlflow URI, set tracking.uri in the config or "
                + "MLFLOW_TRACKING_URI (or run with --no-tracking)"
        }
    }
}
