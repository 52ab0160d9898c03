import Checkpoint
import Data
import Foundation
import Pretrained

/// A model's pretrained start in a sweep: the checkpoint read once, its layout, and what a run
/// logs of it (`init`: the file's name and SHA-256; `init_format`: the layout).
public struct PretrainedStart: Sendable {
    public let checkpoint: CheckpointFile
    public let layout: CheckpointLayout
    /// SHA-256 of the file read (a Hugging Face folder's `model.safetensors`), 64 hex digits.
    public let digest: String

    /// Reads `path` (file or folder) in `format` (`auto`: from the keys) for `model`.
    public init(path: String, format: String, model: String) throws {
        checkpoint = try CheckpointFile.read(contentsOf: path)
        guard let layout = format == "auto" ? CheckpointLayout.detect(Set(checkpoint.names)) : CheckpointLayout(rawValue: format) else {
            throw TrainingError.configuration("models.\(model).init_format", format == "auto"
                ? "\(path): no known checkpoint layout fits its keys; name one (\(CheckpointLayout.allCases.map(\.rawValue).joined(separator: ", ")))"
                : "unknown layout '\(format)'")
        }
        guard layout.models.contains(model) else {
            throw TrainingError.configuration("models.\(model).init", "\(path) is a \(layout.rawValue) checkpoint, which starts "
                                              + layout.models.joined(separator: " or ") + ", not \(model)")
        }
        self.layout = layout
        var hash = SHA256()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: checkpoint.source), options: .alwaysMapped)
        bytes.withUnsafeBytes { hash.update($0) }
        digest = hash.hexDigest
    }

    /// The `init` param: file name and SHA-256.
    public var logged: String { "\((checkpoint.source as NSString).lastPathComponent) sha256:\(digest)" }

    /// The normaliser of a checkpoint trained on fixed input statistics, (x − mean) / (2 · std).
    public var statistics: FeatureNormalizer? {
        layout.inputStatistics.map { FeatureNormalizer(mean: $0.mean, std: 2 * $0.std) }
    }
}
