/// One column of a feature pack's metadata matrix.
public struct MetadataColumn: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// A numeric manifest column (standardised on each fold's training part).
        case numeric
        /// One value of a categorical manifest column, one-hot (left as 0/1).
        case categorical
        /// An acoustic descriptor computed from the audio (standardised like numeric).
        case acoustic
    }

    /// `speed`, `voice=en-us` (categorical: column=value), `acoustic.rms_db`.
    public var name: String
    public var kind: Kind

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    /// The manifest column the values come from: `voice` for `voice=en-us`, the name itself for
    /// a numeric column (an acoustic column has none: it is computed from the audio).
    public var manifestColumn: String {
        kind == .categorical ? String(name.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]) : name
    }

    /// A categorical column's value (`en-us` for `voice=en-us`); "" for the other kinds.
    var level: String {
        guard kind == .categorical, let equals = name.firstIndex(of: "=") else { return "" }
        return String(name[name.index(after: equals)...])
    }
}

/// Turns a manifest's metadata columns into numbers: numeric columns as they are, categorical
/// columns one-hot over their sorted values. A column that mirrors the label (one value per
/// class and one class per value) is refused: metadata must never carry the label.
enum ManifestMetadataEncoder {
    /// The columns and an (entries, columns) row-major matrix.
    static func encode(_ manifest: Manifest) throws -> (columns: [MetadataColumn], values: [[Float]]) {
        let entries = manifest.entries
        var columns: [MetadataColumn] = []
        var rows = [[Float]](repeating: [], count: entries.count)
        for name in manifest.columns.numericMetadata {
            try refuseLabelMirror(name, manifest)
            columns.append(MetadataColumn(name: name, kind: .numeric))
            for (i, entry) in entries.enumerated() {
                let text = entry.values[name] ?? ""
                guard let value = Double(text), value.isFinite else {
                    throw DataError(entry.origin, column: name, "'\(text)' is not a number")
                }
                rows[i].append(Float(value))
            }
        }
        for name in manifest.columns.categoricalMetadata {
            try refuseLabelMirror(name, manifest)
            let levels = Array(Set(entries.map { $0.values[name] ?? "" })).sorted()
            columns += levels.map { MetadataColumn(name: "\(name)=\($0)", kind: .categorical) }
            for (i, entry) in entries.enumerated() {
                let value = entry.values[name] ?? ""
                rows[i] += levels.map { $0 == value ? 1 : 0 }
            }
        }
        return (columns, rows)
    }

    /// The manifest's values encoded into a trained model's `columns` (the acoustic ones left
    /// out: they come from the audio): numeric columns as they are, `column=value` one-hot from
    /// the manifest column `column` (all 0 for a value the model never saw).
    static func encode(_ manifest: Manifest, into columns: [MetadataColumn]) throws -> (columns: [MetadataColumn], values: [[Float]]) {
        let wanted = columns.filter { $0.kind != .acoustic }
        let values = try manifest.entries.map { entry in
            try wanted.map { column -> Float in
                if column.kind == .categorical {
                    return entry.values[column.manifestColumn] == column.level ? 1 : 0
                }
                let text = entry.values[column.name] ?? ""
                guard let value = Double(text), value.isFinite else {
                    throw DataError(entry.origin, column: column.name, "'\(text)' is not a number")
                }
                return Float(value)
            }
        }
        return (wanted, values)
    }

    private static func refuseLabelMirror(_ name: String, _ manifest: Manifest) throws {
        guard manifest.classes.count > 1 else { return }
        var classOfValue: [String: String] = [:], valueOfClass: [String: String] = [:]
        for entry in manifest.entries {
            let value = entry.values[name] ?? ""
            if classOfValue[value, default: entry.label] != entry.label { return }
            if valueOfClass[entry.label, default: value] != value { return }
            classOfValue[value] = entry.label
            valueOfClass[entry.label] = value
        }
        throw DataError(manifest.source, column: name, "mirrors the label (one value per class); metadata must not carry the label")
    }
}
