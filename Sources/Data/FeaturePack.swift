import Audio
import Foundation
import SafeTensors

/// A featurised dataset, stored as one safetensors file that Python's `safetensors` loads as is:
///
/// | tensor | dtype | shape | holds |
/// |---|---|---|---|
/// | `features` | F32 | (N, numMelBins, maxFrames) | raw log-mel (Kaldi fbank, not normalised), 0 past a clip's end |
/// | `lengths` | I64 | (N) | each clip's frames in `features` (≤ maxFrames; absent in older packs: maxFrames) |
/// | `labels` | I64 | (N) | index into `classes` (−1: unlabelled, in a pack built to be scored) |
/// | `metadata` | F32 | (N, K) | unscaled metadata, columns as `metadata_columns` |
/// | `groups` | I64 | (N) | group id (index into `group_names`; the row itself when there is no group column) |
/// | `folds` | I64 | (N) | the manifest's own fold numbers, only when it has them |
///
/// `__metadata__` (JSON text values): `format`, `files`, `classes`, `metadata_columns`,
/// `metadata_kinds`, `group_names`, `skipped` (files left out, with reasons), `features`
/// (the `FbankParameters`), `input_fingerprint` and `content_digest` (see `contentDigest`).
public struct FeaturePack: Sendable {
    public static let format = "spectrofold-feature-pack/1"

    public var parameters: FbankParameters
    /// (count, parameters.numMelBins, parameters.maxFrames), row-major.
    public var features: [Float]
    /// The frames of each clip in `features`, 1...maxFrames (the rest of its row is padding).
    public var lengths: [Int]
    public var labels: [Int]
    /// (count, metadataColumns.count), row-major.
    public var metadata: [Float]
    public var groups: [Int]
    public var folds: [Int]?
    public var files: [String]
    public var classes: [String]
    public var metadataColumns: [MetadataColumn]
    public var groupNames: [String]
    /// Files of the manifest left out of the pack, with the reason (`origin: reason`).
    public var skipped: [String]
    /// SHA-256 of the manifest entries, their files' sizes and times, and the parameters the pack was built from.
    public var inputFingerprint: String

    /// `lengths` nil: every clip fills its row (`maxFrames` frames).
    public init(parameters: FbankParameters, features: [Float], lengths: [Int]? = nil, labels: [Int], metadata: [Float], groups: [Int],
                folds: [Int]?, files: [String], classes: [String], metadataColumns: [MetadataColumn],
                groupNames: [String], skipped: [String], inputFingerprint: String) {
        let n = labels.count
        let clipLengths = lengths ?? Array(repeating: parameters.maxFrames, count: n)
        precondition(features.count == n * parameters.numMelBins * parameters.maxFrames && metadata.count == n * metadataColumns.count
                     && groups.count == n && files.count == n && (folds?.count ?? n) == n && clipLengths.count == n
                     && clipLengths.allSatisfy { (1...parameters.maxFrames).contains($0) }, "FeaturePack: inconsistent sizes")
        self.parameters = parameters
        self.features = features
        self.lengths = clipLengths
        self.labels = labels
        self.metadata = metadata
        self.groups = groups
        self.folds = folds
        self.files = files
        self.classes = classes
        self.metadataColumns = metadataColumns
        self.groupNames = groupNames
        self.skipped = skipped
        self.inputFingerprint = inputFingerprint
    }

    public var count: Int { labels.count }
    /// Values stored per example: numMelBins × maxFrames.
    public var featureSize: Int { parameters.numMelBins * parameters.maxFrames }
    /// Values of one model input (a window): numMelBins × frames.
    public var windowSize: Int { parameters.numMelBins * parameters.frames }

    /// SHA-256 over every tensor (name, NUL, little-endian bytes, in the order of the table above)
    /// and every other `__metadata__` entry (key, NUL, value, NUL, sorted by key).
    public var contentDigest: String { Self.digest(tensors(), headerMetadata()) }

    /// Writes the pack atomically to `path`.
    public func write(to path: String) throws {
        let tensors = tensors()
        var file = SafeTensorsFile(metadata: headerMetadata())
        file.metadata["content_digest"] = Self.digest(tensors, file.metadata)
        for (name, tensor) in tensors { file[name] = tensor }
        try file.write(to: path)
    }

    private static func digest(_ tensors: [(String, SafeTensor)], _ metadata: [String: String]) -> String {
        var hash = SHA256()
        for (name, tensor) in tensors {
            hash.update(name + "\0")
            tensor.bytes.withUnsafeBytes { hash.update($0) }
        }
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) { hash.update("\(key)\0\(value)\0") }
        return hash.hexDigest
    }

    /// Reads and checks a pack written by `write`.
    public static func read(contentsOf path: String) throws -> FeaturePack {
        let file = try SafeTensorsFile.read(contentsOf: path)
        let meta = file.metadata
        func fail(_ message: String) -> DataError { DataError(path, message) }
        guard meta["format"] == format else { throw fail("not a SpectroFold feature pack (format '\(meta["format"] ?? "")')") }
        func json<T: Decodable>(_ key: String, _ type: T.Type) throws -> T {
            guard let text = meta[key], let value = try? JSONDecoder().decode(T.self, from: Data(text.utf8)) else {
                throw fail("__metadata__ lacks a valid '\(key)'")
            }
            return value
        }
        let parameters = try json("features", FbankParameters.self)
        let names = try json("metadata_columns", [String].self), kinds = try json("metadata_kinds", [MetadataColumn.Kind].self)
        guard names.count == kinds.count else { throw fail("metadata_columns and metadata_kinds differ in length") }
        let (features, featureShape) = try file.floats(named: "features")
        let (labels, _) = try file.int64s(named: "labels")
        let (metadata, metadataShape) = try file.floats(named: "metadata")
        let (groups, _) = try file.int64s(named: "groups")
        let folds = file.names.contains("folds") ? try file.int64s(named: "folds").values.map { Int($0) } : nil
        let lengths = file.names.contains("lengths") ? try file.int64s(named: "lengths").values.map { Int($0) }
            : Array(repeating: parameters.maxFrames, count: labels.count)
        let files = try json("files", [String].self)
        guard featureShape == [labels.count, parameters.numMelBins, parameters.maxFrames], metadataShape == [labels.count, names.count],
              groups.count == labels.count, files.count == labels.count, (folds?.count ?? labels.count) == labels.count,
              lengths.count == labels.count, lengths.allSatisfy({ (1...parameters.maxFrames).contains($0) })
        else { throw fail("tensor shapes disagree with each other or with the feature parameters") }
        let pack = FeaturePack(
            parameters: parameters, features: features, lengths: lengths, labels: labels.map { Int($0) }, metadata: metadata,
            groups: groups.map { Int($0) }, folds: folds, files: files, classes: try json("classes", [String].self),
            metadataColumns: zip(names, kinds).map { MetadataColumn(name: $0, kind: $1) },
            groupNames: try json("group_names", [String].self), skipped: try json("skipped", [String].self),
            inputFingerprint: meta["input_fingerprint"] ?? "")
        guard pack.contentDigest == meta["content_digest"] else { throw fail("content digest mismatch: the file is damaged") }
        return pack
    }

    /// The `__metadata__` of the pack at `path` without loading its tensors (nil if it is no safetensors file).
    static func storedMetadata(at path: String) -> [String: String]? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let prefix = try? handle.read(upToCount: 8), prefix.count == 8 else { return nil }
        let length = prefix.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length < 1 << 31, let header = try? handle.read(upToCount: Int(length)),
              let object = (try? JSONSerialization.jsonObject(with: header)) as? [String: Any] else { return nil }
        return object["__metadata__"] as? [String: String]
    }

    private func tensors() -> [(String, SafeTensor)] {
        var list: [(String, SafeTensor)] = [
            ("features", SafeTensor(floats: features, shape: [count, parameters.numMelBins, parameters.maxFrames])),
            ("lengths", SafeTensor(int64s: lengths.map { Int64($0) }, shape: [count])),
            ("labels", SafeTensor(int64s: labels.map { Int64($0) }, shape: [count])),
            ("metadata", SafeTensor(floats: metadata, shape: [count, metadataColumns.count])),
            ("groups", SafeTensor(int64s: groups.map { Int64($0) }, shape: [count])),
        ]
        if let folds { list.append(("folds", SafeTensor(int64s: folds.map { Int64($0) }, shape: [count]))) }
        return list
    }

    private func headerMetadata() -> [String: String] {
        func json<T: Encodable>(_ value: T) -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try! encoder.encode(value), as: UTF8.self)
        }
        return [
            "format": Self.format,
            "files": json(files),
            "classes": json(classes),
            "metadata_columns": json(metadataColumns.map(\.name)),
            "metadata_kinds": json(metadataColumns.map(\.kind)),
            "group_names": json(groupNames),
            "skipped": json(skipped),
            "features": json(parameters),
            "input_fingerprint": inputFingerprint,
        ]
    }
}
