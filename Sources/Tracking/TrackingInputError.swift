/// A tracking event MLflow could never accept, found when it is recorded (so the caller hears of
/// it at once) or when it is delivered; the message names the field at fault.
public struct TrackingInputError: Error, CustomStringConvertible, Equatable {
    public let description: String

    init(_ description: String) { self.description = description }
}

/// MLflow's limits on what a run holds (`mlflow/utils/validation.py`), checked when recording.
enum TrackingLimits {
    static let maxKeyLength = 250
    static let maxParamValueLength = 6000
    static let maxTagValueLength = 8000

    /// Ids end up in run keys, which are searched with a quoted MLflow filter: no quotes,
    /// backslashes or control characters.
    static func checkIdentifier(_ value: String, _ field: String) throws {
        guard !value.isEmpty, !value.contains(where: { "'\"`\\".contains($0) || $0.isNewline || $0.asciiValue.map { $0 < 32 } == true }) else {
            throw TrackingInputError("\(field) '\(value)' must be non-empty, without quotes, backslashes or control characters")
        }
    }

    static func checkParams(_ params: [(key: String, value: String)], of what: String) throws {
        var seen: [String: String] = [:]
        for (key, value) in params {
            try checkKey(key, "param", of: what)
            guard value.count <= maxParamValueLength else {
                throw TrackingInputError("\(what): param '\(key)' is \(value.count) characters long; MLflow keeps at most \(maxParamValueLength)")
            }
            if let earlier = seen[key], earlier != value {
                throw TrackingInputError("\(what): param '\(key)' is given twice, as '\(earlier)' and '\(value)'")
            }
            seen[key] = value
        }
    }

    static func checkTagValue(_ key: String, _ value: String, of what: String) throws {
        guard value.count <= maxTagValueLength else {
            throw TrackingInputError("\(what): tag '\(key)' is \(value.count) characters long; MLflow keeps at most \(maxTagValueLength)")
        }
    }

    static func checkKey(_ key: String, _ kind: String, of what: String) throws {
        guard !key.isEmpty, key.count <= maxKeyLength else {
            throw TrackingInputError("\(what): \(kind) name '\(key.prefix(60))' must have 1 to \(maxKeyLength) characters")
        }
    }

    /// A relative path inside a run's artifacts, without "." or ".." parts.
    static func checkArtifactPath(_ path: String, of what: String) throws {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.hasPrefix("/"), !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            throw TrackingInputError("\(what): artifact path '\(path)' must be relative, like 'model/state_dict.safetensors'")
        }
    }
}
