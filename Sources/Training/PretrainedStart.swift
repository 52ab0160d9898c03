import Checkpoint
import Config
import Data
import Foundation
import ModelNames
import Pretrained

/// A model's pretrained start in a sweep: the checkpoint read once, its layout, and what a run
/// logs of it (`init`: the file's name and SHA-256; `init_format`: the layout).
public struct PretrainedStart: Sendable {
    public let checkpoint: CheckpointFile
    public let layout: CheckpointLayout
    /// The weights file as a cluster sweep ships it: name, SHA-256, size and a Hugging Face
    /// folder's `config.json`.
    public let reference: CheckpointReference

    /// Reads `path` (file or folder) in `format` (`auto`: from the keys) for `model`.
    public init(path: String, format: String, model: ModelName) throws {
        let checkpoint = try CheckpointFile.read(contentsOf: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: checkpoint.source), options: .alwaysMapped)
        var hash = SHA256()
        bytes.withUnsafeBytes { hash.update($0) }
        let reference = CheckpointReference(name: (checkpoint.source as NSString).lastPathComponent, digest: hash.hexDigest,
                                            bytes: bytes.count, config: checkpoint.configData.map { String(decoding: $0, as: UTF8.self) })
        try self.init(checkpoint, reference: reference, described: path, format: format, model: model)
    }

    /// The checkpoint `reference` names, fetched by its digest into `path` (a cluster worker's
    /// cache), in `format` for `model`.
    public init(reference: CheckpointReference, weightsAt path: String, format: String, model: ModelName) throws {
        let checkpoint = try CheckpointFile.read(weightsAt: path, configData: reference.config.map { Data($0.utf8) },
                                                 configSource: "config.json of \(reference.name)")
        try self.init(checkpoint, reference: reference, described: reference.name, format: format, model: model)
    }

    private init(_ checkpoint: CheckpointFile, reference: CheckpointReference, described source: String, format: String, model: ModelName) throws {
        guard let layout = format == "auto" ? CheckpointLayout.detect(Set(checkpoint.names)) : CheckpointLayout(rawValue: format) else {
            throw TrainingError.configuration("models.\(model).init_format", format == "auto"
                ? "\(source): no known checkpoint layout fits its keys; name one (\(CheckpointLayout.allCases.map(\.rawValue).joined(separator: ", ")))"
                : "unknown layout '\(format)'")
        }
        guard layout.models.contains(model) else {
            throw TrainingError.configuration("models.\(model).init", "\(source) is a \(layout.rawValue) checkpoint, which starts "
                                              + layout.models.map(\.rawValue).joined(separator: " or ") + ", not \(model)")
        }
        self.checkpoint = checkpoint
        self.layout = layout
        self.reference = reference
    }

    /// Every run model's `init` checkpoint of `config`, read from this machine (relative paths
    /// from the working directory); an unreadable one is an error naming the model's key.
    public static func starts(of config: SweepConfig) throws -> [ModelName: PretrainedStart] {
        var starts: [ModelName: PretrainedStart] = [:]
        for model in config.models.run {
            let settings = config.models.settings(for: model)
            guard !settings.`init`.isEmpty else { continue }
            do {
                starts[model] = try PretrainedStart(path: settings.`init`, format: settings.initFormat, model: model)
            } catch let error as TrainingError {
                throw error
            } catch {
                throw TrainingError.configuration("models.\(model).init", "\(error)")
            }
        }
        return starts
    }

    /// The `init` param: file name and SHA-256.
    public var logged: String { "\(reference.name) sha256:\(reference.digest)" }

    /// The normaliser of a checkpoint trained on fixed input statistics, (x − mean) / (2 · std).
    public var statistics: FeatureNormalizer? {
        layout.inputStatistics.map { FeatureNormalizer(mean: $0.mean, std: 2 * $0.std) }
    }
}

/// A checkpoint as a cluster sweep ships it to workers: they fetch the weights file by its
/// SHA-256 like a dataset; a Hugging Face folder's small `config.json` travels inline.
public struct CheckpointReference: Codable, Equatable, Sendable {
    /// The weights file's name (`model.safetensors` for a Hugging Face folder).
    public var name: String
    /// SHA-256 of the weights file, 64 lowercase hex digits.
    public var digest: String
    /// The weights file's size in bytes.
    public var bytes: Int
    /// The folder's `config.json`, when the checkpoint was a Hugging Face folder that had one.
    public var config: String?
}
