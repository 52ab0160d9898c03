import Foundation

/// The check the executables run before any training: the tracking URI is well formed, the
/// server answers, accepts the credentials and lets them write (the experiment is found or
/// created), and proxies artifacts. Each request is sent once, so a bad setting fails in seconds.
public enum TrackingPreflight {
    /// Returns the experiment; throws `TrackingPreflightError` naming the URI, where it came
    /// from, and the HTTP status and message (or the connection error).
    ///
    /// `timeout`: seconds to wait for the server's answer to each request.
    @discardableResult
    public static func check(_ settings: TrackingSettings, credentials: MLflowCredentials,
                             timeout: TimeInterval = 10) throws -> MLflowExperiment {
        do {
            let client = try MLflowClient(uri: settings.uri, credentials: credentials, retry: .once, timeout: timeout)
            let experiment = try client.ensureExperiment(named: settings.experiment)
            guard experiment.artifactLocation.hasPrefix("mlflow-artifacts:") else {
                throw MLflowError.artifactProxyUnavailable(uri: settings.uri, artifactURI: experiment.artifactLocation)
            }
            return experiment
        } catch let error as MLflowError {
            throw TrackingPreflightError(settings: settings, underlying: error)
        }
    }
}

/// Tracking cannot work with these settings; nothing has been trained or recorded yet.
public struct TrackingPreflightError: Error, CustomStringConvertible {
    public let settings: TrackingSettings
    public let underlying: MLflowError

    public var description: String {
        "MLflow tracking check failed (URI from \(settings.uriSource), experiment '\(settings.experiment)'): "
            + "\(underlying)\nFix the setting, or run with --no-tracking to train without MLflow."
    }
}
