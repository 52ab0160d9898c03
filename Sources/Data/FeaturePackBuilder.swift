import Audio
import Config
import Foundation

/// The classes and metadata columns a trained model expects: a pack built to be scored by it
/// (`FeaturePackBuilder.forScoring`) has exactly these, whatever its manifest lists.
public struct PackSchema: Sendable, Equatable {
    public var classes: [String]
    public var metadataColumns: [MetadataColumn]

    public init(classes: [String], metadataColumns: [MetadataColumn]) {
        self.classes = classes
        self.metadataColumns = metadataColumns
    }
}

/// Featurises every file of a manifest into a `FeaturePack`, in parallel.
public struct FeaturePackBuilder: Sendable {
    public var manifest: Manifest
    public var parameters: FbankParameters
    /// Append `AcousticDescriptors` to the metadata.
    public var acousticDescriptors: Bool
    public var onBadFile: BadFilePolicy
    /// Worker threads (default: one per core).
    public var threads: Int
    /// Fixed classes and metadata columns (a pack to score with a trained model); nil derives
    /// them from the manifest.
    public private(set) var schema: PackSchema?

    /// The outcome of `prepare`.
    public struct Outcome: Sendable {
        public var pack: FeaturePack
        /// Files left out (`origin: reason`), empty unless `onBadFile` is `.skip`.
        public var skipped: [String]
        /// True when an existing pack with the same input fingerprint was kept.
        public var reused: Bool
    }

    public init(manifest: Manifest, parameters: FbankParameters, acousticDescriptors: Bool = true,
                onBadFile: BadFilePolicy = .skip, threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.manifest = manifest
        self.parameters = parameters
        self.acousticDescriptors = acousticDescriptors
        self.onBadFile = onBadFile
        self.threads = max(1, threads)
    }

    /// A builder of the pack a model with `schema` scores: the metadata encoded into the model's
    /// columns (acoustic descriptors when it has them), labels as indices into its classes (−1
    /// for an entry without a label or with one the model does not know), bad files skipped.
    public static func forScoring(manifest: Manifest, parameters: FbankParameters, schema: PackSchema,
                                  threads: Int = ProcessInfo.processInfo.activeProcessorCount) -> FeaturePackBuilder {
        var builder = FeaturePackBuilder(manifest: manifest, parameters: parameters,
                                         acousticDescriptors: schema.metadataColumns.contains { $0.kind == .acoustic },
                                         onBadFile: .skip, threads: threads)
        builder.schema = schema
        return builder
    }

    /// SHA-256 of everything the pack depends on: the manifest's entries and columns, each
    /// file's size and modification time, the feature parameters and the builder's options.
    public func inputFingerprint() -> String {
        var hash = SHA256()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        hash.update("\(FeaturePack.format)\0")
        hash.update((try? encoder.encode(parameters)).map { [UInt8]($0) } ?? [])
        hash.update((try? encoder.encode(manifest.columns)).map { [UInt8]($0) } ?? [])
        hash.update("\0\(acousticDescriptors)\0\(onBadFile.rawValue)\0")
        for entry in manifest.entries {
            let attributes = try? FileManager.default.attributesOfItem(atPath: entry.path)
            let size = (attributes?[.size] as? NSNumber)?.int64Value ?? -1
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1
            let values = entry.values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\u{1F}")
            hash.update("\(entry.path)\0\(entry.label)\0\(entry.group ?? "")\0\(entry.fold.map(String.init) ?? "")\0\(values)\0\(size)\0\(modified)\n")
        }
        return hash.hexDigest
    }

    /// Builds the pack and writes it to `output`, unless `output` already holds a pack with the
    /// same input fingerprint, which is then read and kept. `progress(done, total)` is called
    /// from worker threads as files finish.
    public func prepare(output: String, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> Outcome {
        let fingerprint = inputFingerprint()
        if FeaturePack.storedMetadata(at: output)?["input_fingerprint"] == fingerprint,
           let existing = try? FeaturePack.read(contentsOf: output) {
            return Outcome(pack: existing, skipped: existing.skipped, reused: true)
        }
        let pack = try build(fingerprint: fingerprint, progress: progress)
        try pack.write(to: output)
        return Outcome(pack: pack, skipped: pack.skipped, reused: false)
    }

    /// Decodes and featurises every file (no file is written).
    public func build(progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> FeaturePack {
        try build(fingerprint: inputFingerprint(), progress: progress)
    }

    private func build(fingerprint: String, progress: (@Sendable (Int, Int) -> Void)?) throws -> FeaturePack {
        let entries = manifest.entries
        let (manifestColumns, manifestValues) = try schema.map { try ManifestMetadataEncoder.encode(manifest, into: $0.metadataColumns) }
            ?? ManifestMetadataEncoder.encode(manifest)
        let parameters = self.parameters, policy = onBadFile
        let outcomes = parallelResults(count: entries.count, threads: threads, stopAtFirstError: policy == .stop, progress: progress) {
            let frontEnd = FrontEnd(parameters: parameters)
            return { try frontEnd.process(entries[$0].path) }
        }

        var features: [Float] = [], lengths: [Int] = [], metadata: [Float] = [], files: [String] = [], skipped: [String] = []
        var keptRows: [Int] = []
        features.reserveCapacity(entries.count * parameters.numMelBins * parameters.maxFrames)
        for (i, entry) in entries.enumerated() {
            switch outcomes[i] {
            case .success(let (values, frames, descriptors)) where frames > 0:
                features += values
                lengths.append(frames)
                metadata += manifestValues[i]
                if acousticDescriptors { metadata += descriptors.values.map { Float($0) } }
                files.append(entry.path)
                keptRows.append(i)
            case .success:
                if policy == .stop { throw DataError(entry.origin, "\(entry.path): shorter than one frame") }
                skipped.append(Self.place(entry) + "shorter than one frame (\(parameters.frameLengthMs) ms)")
            case .failure(let error):
                let reason = (error as? AudioError)?.reason ?? "\(error)"
                if policy == .stop { throw DataError(entry.origin, "\(entry.path): \(reason)") }
                skipped.append(Self.place(entry) + reason)
            case nil:
                continue  // never started: an earlier file's error stops the build above
            }
        }
        guard !keptRows.isEmpty else { throw DataError(manifest.source, "no file could be decoded (first: \(skipped.first ?? "-"))") }

        var columns = manifestColumns
        if acousticDescriptors { columns += AcousticDescriptors.names.map { MetadataColumn(name: "acoustic.\($0)", kind: .acoustic) } }
        let classes = schema?.classes ?? manifest.classes
        let labelIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        var groupNames: [String] = [], groupIndex: [String: Int] = [:]
        let groups: [Int] = keptRows.enumerated().map { row, i in
            guard let name = entries[i].group else { return row }
            if let id = groupIndex[name] { return id }
            groupIndex[name] = groupNames.count
            groupNames.append(name)
            return groupNames.count - 1
        }
        let hasFolds = !manifest.columns.fold.isEmpty
        return FeaturePack(
            parameters: parameters, features: features, lengths: lengths, labels: keptRows.map { labelIndex[entries[$0].label] ?? -1 },
            metadata: metadata, groups: groups, folds: hasFolds ? keptRows.map { entries[$0].fold! } : nil,
            files: files, classes: classes, metadataColumns: columns, groupNames: groupNames,
            skipped: skipped, inputFingerprint: fingerprint)
    }

    /// `origin: path: ` (just `path: ` for a file given directly, whose origin is itself).
    private static func place(_ entry: ManifestEntry) -> String {
        entry.origin == entry.path ? "\(entry.path): " : "\(entry.origin): \(entry.path): "
    }
}
