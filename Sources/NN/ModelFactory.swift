import ModelNames
import Random
import Tensor

/// Builds the four compared models by name and preset.
public enum ModelFactory {
    /// Every model has `mini` and `standard`; AST also has `small` and `base`, DeiT's sizes, so
    /// that ImageNet and AudioSet checkpoints fit it (`standard` is DeiT-tiny).
    public static let presets = ["mini", "standard", "small", "base"]

    /// The presets of model `name`.
    public static func presets(of name: ModelName) -> [String] { name == .ast ? presets : ["mini", "standard"] }

    /// What a model is built for.
    public struct Spec: Equatable, Sendable {
        public var name: ModelName
        public var preset: String
        public var classes: Int
        public var melBins: Int
        public var frames: Int
        /// Width of the metadata vector (cnn_mlp only).
        public var metadataWidth: Int
        public var dropout: Float

        public init(name: ModelName, preset: String, classes: Int, melBins: Int = 128, frames: Int,
                    metadataWidth: Int = 0, dropout: Float = 0) {
            (self.name, self.preset, self.classes, self.melBins, self.frames) = (name, preset, classes, melBins, frames)
            (self.metadataWidth, self.dropout) = (metadataWidth, dropout)
        }
    }

    /// A spec no model can be built from: an unknown preset, fewer than 2 classes, or inputs the
    /// model cannot take; the description says which.
    public struct InvalidModelSpec: Error, CustomStringConvertible {
        public let description: String
    }

    /// The model `spec` names, with fresh weights drawn from `seed`.
    public static func make(_ spec: Spec, seed: UInt64) throws -> any SpectrogramClassifier {
        guard presets(of: spec.name).contains(spec.preset) else {
            throw InvalidModelSpec(description: "\(spec.name) has no preset '\(spec.preset)' (known: \(presets(of: spec.name).joined(separator: ", ")))")
        }
        guard spec.classes >= 2 else { throw InvalidModelSpec(description: "a classifier needs at least 2 classes, got \(spec.classes)") }
        var generator = RandomGenerator(seed: seed)
        let standard = spec.preset == "standard"
        let width = standard ? 64 : 16
        switch spec.name {
        case .baselineCNN:
            return BaselineCNN(width: width, classes: spec.classes, dropout: spec.dropout, generator: &generator)
        case .cnnAttention:
            return BaselineCNN(width: width, classes: spec.classes, attention: true, dropout: spec.dropout, generator: &generator)
        case .cnnMLP:
            guard spec.metadataWidth > 0 else { throw InvalidModelSpec(description: "cnn_mlp needs metadata columns (width 0 given)") }
            return CNNWithMetadata(width: width, classes: spec.classes, metadataWidth: spec.metadataWidth,
                                   dropout: spec.dropout, generator: &generator)
        case .ast:
            guard spec.melBins >= 16, spec.frames >= 16 else {
                throw InvalidModelSpec(description: "ast needs at least 16 mel bins and 16 frames, got \(spec.melBins)×\(spec.frames)")
            }
            let (width, depth, heads) = ["mini": (64, 4, 4), "standard": (192, 12, 3), "small": (384, 12, 6), "base": (768, 12, 12)][spec.preset]!
            return AST(inputShape: (spec.melBins, spec.frames), classes: spec.classes, width: width, depth: depth, heads: heads,
                       dropout: spec.dropout, generator: &generator)
        }
    }
}

extension ModelName {
    /// `name@semver`, bumped whenever the model's architecture or parameter naming changes: a
    /// state dict loads only into the same version.
    public var version: String {
        switch self {
        case .baselineCNN, .cnnMLP, .cnnAttention, .ast: return "\(rawValue)@1.0.0"
        }
    }
}
