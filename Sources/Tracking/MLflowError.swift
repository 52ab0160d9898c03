import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A failed exchange with the tracking server, or a tracking setting that cannot work. Every
/// message names the tracking URI and, for requests, the method, path and HTTP status.
public enum MLflowError: Error, CustomStringConvertible, Sendable {
    case malformedURI(uri: String, reason: String)
    case incompleteCredentials(missing: String)
    /// No HTTP answer: connection refused, DNS failure, timeout, TLS failure.
    case unreachable(uri: String, request: String, message: String)
    /// An HTTP answer other than 2xx; `errorCode` is MLflow's (e.g. `RESOURCE_DOES_NOT_EXIST`).
    case http(uri: String, request: String, status: Int, errorCode: String?, message: String)
    /// A 2xx answer whose body is not what the API documents.
    case unexpectedResponse(uri: String, request: String, message: String)
    /// The run stores artifacts somewhere the tracking server does not proxy.
    case artifactProxyUnavailable(uri: String, artifactURI: String)

    public var description: String {
        switch self {
        case .malformedURI(let uri, let reason):
            return "MLflow tracking URI '\(uri)' is malformed: \(reason)"
        case .incompleteCredentials(let missing):
            return "MLflow credentials are incomplete: \(missing) is not set"
        case .unreachable(let uri, let request, let message):
            return "MLflow at \(uri) is unreachable (\(request)): \(message)"
        case .http(let uri, let request, let status, let errorCode, let message):
            let reason = HTTPURLResponse.localizedString(forStatusCode: status)
            let detail = [errorCode, message.isEmpty ? nil : message].compactMap { $0 }.joined(separator: ": ")
            let answer = "HTTP \(status) \(reason)" + (detail.isEmpty ? "" : ": \(detail)")
            switch status {
            case 401:
                return "MLflow at \(uri) rejected the credentials (\(request)): \(answer) "
                    + "(check MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD or MLFLOW_TRACKING_TOKEN)"
            case 403:
                return "MLflow at \(uri) denied permission (\(request)): \(answer)"
            default:
                return "MLflow at \(uri) answered \(request) with \(answer)"
            }
        case .unexpectedResponse(let uri, let request, let message):
            return "MLflow at \(uri) sent an unexpected answer to \(request): \(message)"
        case .artifactProxyUnavailable(let uri, let artifactURI):
            return "MLflow at \(uri) stores this run's artifacts at '\(artifactURI)', not behind its artifact proxy "
                + "(start the server with --serve-artifacts and a fresh experiment)"
        }
    }

    /// Worth repeating a request that is safe to repeat: no answer, 408, 429 or 5xx.
    var isTransient: Bool {
        switch self {
        case .unreachable: return true
        case .http(_, _, let status, _, _): return status == 408 || status == 429 || status >= 500
        default: return false
        }
    }

    /// The server understood the request and refused its content (400, or 404 naming an MLflow
    /// resource), or keeps the run's artifacts where its proxy cannot reach (fixed when the run
    /// was created): sending the same request again can never succeed.
    var rejectsRequest: Bool {
        switch self {
        case .http(_, _, let status, let errorCode, _): return status == 400 || (status == 404 && errorCode != nil)
        case .artifactProxyUnavailable: return true
        default: return false
        }
    }
}
