import Foundation

/// How requests to the tracking server authenticate, as MLflow's own client does: HTTP basic
/// from `MLFLOW_TRACKING_USERNAME` + `MLFLOW_TRACKING_PASSWORD` (preferred when both are set),
/// else a bearer token from `MLFLOW_TRACKING_TOKEN`, else none.
public enum MLflowCredentials: Equatable, Sendable {
    case none
    case basic(username: String, password: String)
    case bearer(token: String)

    /// Reads the three variables from `environment` (pass `ProcessInfo.processInfo.environment`).
    /// A username without a password (or the reverse) is an error naming the missing variable.
    public init(environment: [String: String]) throws {
        let username = environment["MLFLOW_TRACKING_USERNAME"].flatMap { $0.isEmpty ? nil : $0 }
        let password = environment["MLFLOW_TRACKING_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        let token = environment["MLFLOW_TRACKING_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        switch (username, password) {
        case let (username?, password?): self = .basic(username: username, password: password)
        case (_?, nil): throw MLflowError.incompleteCredentials(missing: "MLFLOW_TRACKING_PASSWORD")
        case (nil, _?): throw MLflowError.incompleteCredentials(missing: "MLFLOW_TRACKING_USERNAME")
        case (nil, nil): self = token.map { .bearer(token: $0) } ?? .none
        }
    }

    /// The `Authorization` header value, if any.
    var authorization: String? {
        switch self {
        case .none: return nil
        case .basic(let username, let password): return "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        case .bearer(let token): return "Bearer \(token)"
        }
    }
}

/// A validated tracking-server address: `http://host[:port][/prefix]` or `https://...`.
public struct MLflowEndpoint: Equatable, Sendable {
    /// The URI as the user gave it (for messages).
    public let uri: String
    /// The base without a trailing slash; REST paths are appended to it.
    let base: URL

    public init(uri: String) throws {
        self.uri = uri
        let trimmed = uri.hasSuffix("/") ? String(uri.dropLast()) : uri
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased() else {
            throw MLflowError.malformedURI(uri: uri, reason: "expected http://host:port or https://host:port")
        }
        guard scheme == "http" || scheme == "https" else {
            throw MLflowError.malformedURI(
                uri: uri, reason: "scheme '\(scheme)' is not supported: SpectroFold talks to an MLflow tracking server over http(s)")
        }
        guard let host = components.host, !host.isEmpty else {
            throw MLflowError.malformedURI(uri: uri, reason: "no host (expected \(scheme)://host:port)")
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw MLflowError.malformedURI(uri: uri, reason: "port \(port) is outside 1...65535")
        }
        guard components.query == nil, components.fragment == nil, let url = components.url else {
            throw MLflowError.malformedURI(uri: uri, reason: "expected \(scheme)://host:port[/path] without query or fragment")
        }
        base = url
    }

    /// `base` + `path` (which starts with "/"), with `query` items.
    func url(_ path: String, query: [URLQueryItem] = []) -> URL {
        var components = URLComponents(url: base, resolvingAgainstBaseURL: false)!
        components.percentEncodedPath += path
        if !query.isEmpty { components.queryItems = query }
        return components.url!
    }
}
