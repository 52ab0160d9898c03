import Audio
import Data
import Foundation
import ModelNames
import NN
import RunRecords

/// `spectrofold-model.json`, written beside the state dict of every job and refit: everything
/// needed to classify new audio with that model and to say where it came from. JSON with
/// snake_case keys:
///
/// ```json
/// {"format": "spectrofold-model/1", "model": "cnn_mlp", "preset": "mini", "model_version": "cnn_mlp@1.0.0",
///  "classes": ["high", "low"], "features": {"sample_rate": 16000, "num_mel_bins": 128, "frames": 100, "max_frames": 300, …},
///  "normalization": {"mean": -6.1, "std": 3.2},
///  "metadata": {"columns": [{"name": "speed", "kind": "numeric"}, …], "mean": […], "scale": […]},
///  "data_columns": {"path": "path", "label": "label", "numeric_metadata": ["speed"], …},
///  "state_dict": {"file": "state_dict.safetensors", "sha256": "…"},
///  "sweep": {"id": "demo-1a2b3c4d", "name": "demo"}, "job": "cnn_mlp/fold-0",
///  "training": {"pack_fingerprint": "…", "examples": {"fit": 200, "selection": 36, "test": 84}, "epoch": 7},
///  "evaluation": {"windows": "sliding", "hop_frames": 50},
///  "scores": {"scope": "held_out_fold", "jobs": 1, "mean": {"accuracy": 0.9, …}, "std": {}}}
/// ```
public struct ModelCard: Codable, Equatable, Sendable {
    public static let fileName = "spectrofold-model.json"
    /// The layout this code writes and reads; another one is refused by name.
    public static let currentFormat = "spectrofold-model/1"

    public var format: String
    public var model: ModelName
    public var preset: String
    /// `model.version` when trained: a state dict loads only into the same version.
    public var modelVersion: String
    /// Class names in the order of the model's outputs.
    public var classes: [String]
    /// The front end the model was trained on (every input is (numMelBins, frames) log-mel).
    public var features: FbankParameters
    /// Feature standardisation fitted on the training rows (or a checkpoint's statistics).
    public var normalization: FeatureNormalizer
    public var metadata: MetadataScaling
    /// How the training manifest named its columns: the default for a manifest of new files.
    public var dataColumns: DataColumns
    public var stateDict: StateDictReference
    public var sweep: SweepReference
    /// The job's path in its sweep: `<model>/fold-<k>`, `<model>/rep-<r>/fold-<k>` or `<model>/refit`.
    public var job: String
    public var training: TrainingRecord
    /// How a clip is cut into the windows the model scores (as the job's evaluation did).
    public var evaluation: Windows
    public var scores: HeldOutScores

    private enum CodingKeys: String, CodingKey {
        case format, model, preset, modelVersion = "model_version", classes, features, normalization, metadata
        case dataColumns = "data_columns", stateDict = "state_dict", sweep, job, training, evaluation, scores
    }

    /// `ClipWindows` as the card holds it: `center` (one window in the middle of a clip longer
    /// than `features.frames`), or `sliding` with `hop_frames` (every frame in a window).
    public struct Windows: Codable, Equatable, Sendable {
        public var windows: String
        /// Frames between sliding windows' starts; 0 for `center`.
        public var hopFrames: Int

        private enum CodingKeys: String, CodingKey { case windows, hopFrames = "hop_frames" }

        public init(_ windows: ClipWindows) {
            if case .sliding(let hop) = windows { (self.windows, hopFrames) = ("sliding", hop) } else { (self.windows, hopFrames) = ("center", 0) }
        }

        /// The scoring windows; nil for a name this code does not know.
        public var clipWindows: ClipWindows? {
            switch windows {
            case "center": return .center
            case "sliding" where hopFrames >= 1: return .sliding(hop: hopFrames)
            default: return nil
            }
        }
    }

    /// The manifest columns of the training data (`ManifestColumns`, snake_case in the file).
    public struct DataColumns: Codable, Equatable, Sendable {
        public var columns: ManifestColumns

        public init(_ columns: ManifestColumns) { self.columns = columns }

        private enum CodingKeys: String, CodingKey {
            case path, label, group, fold, numericMetadata = "numeric_metadata", categoricalMetadata = "categorical_metadata"
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            columns = ManifestColumns(path: try c.decode(String.self, forKey: .path), label: try c.decode(String.self, forKey: .label),
                                      group: try c.decode(String.self, forKey: .group), fold: try c.decode(String.self, forKey: .fold),
                                      numericMetadata: try c.decode([String].self, forKey: .numericMetadata),
                                      categoricalMetadata: try c.decode([String].self, forKey: .categoricalMetadata))
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(columns.path, forKey: .path)
            try c.encode(columns.label, forKey: .label)
            try c.encode(columns.group, forKey: .group)
            try c.encode(columns.fold, forKey: .fold)
            try c.encode(columns.numericMetadata, forKey: .numericMetadata)
            try c.encode(columns.categoricalMetadata, forKey: .categoricalMetadata)
        }
    }

    /// The metadata columns (unscaled values in this order) and their scaling (x − mean) · scale.
    public struct MetadataScaling: Codable, Equatable, Sendable {
        public var columns: [MetadataColumn]
        public var mean: [Float]
        public var scale: [Float]

        public var scaler: MetadataScaler { MetadataScaler(mean: mean, scale: scale) }
    }

    public struct StateDictReference: Codable, Equatable, Sendable {
        /// File name in the card's folder.
        public var file: String
        /// SHA-256 of the file's bytes, 64 hex digits.
        public var sha256: String
    }

    public struct SweepReference: Codable, Equatable, Sendable {
        /// The sweep's id (its MLflow parent run's `sweep_id` tag).
        public var id: String
        public var name: String
    }

    public struct TrainingRecord: Codable, Equatable, Sendable {
        /// The feature pack's input fingerprint (`FeaturePack.inputFingerprint`).
        public var packFingerprint: String
        public var examples: JobExamples
        /// The epoch whose weights these are, 0-based as results.json's `best_epoch`: the weights
        /// after `epoch + 1` epochs of training.
        public var epoch: Int

        private enum CodingKeys: String, CodingKey { case packFingerprint = "pack_fingerprint", examples, epoch }
    }

    /// The scores that describe this model: a job's on its held-out fold (`held_out_fold`, one job,
    /// std empty); a refit's those of its model over the sweep's jobs (`cross_validation`).
    public struct HeldOutScores: Codable, Equatable, Sendable {
        public var scope: String
        public var jobs: Int
        public var mean: [String: Double]
        public var std: [String: Double]

        /// The scores as a refit's run logs them: `cv/<score>_mean`, then `cv/<score>_std`, each by name.
        public var crossValidationMetrics: [(key: String, value: Double)] {
            mean.sorted { $0.key < $1.key }.map { ("cv/\($0.key)_mean", $0.value) }
                + std.sorted { $0.key < $1.key }.map { ("cv/\($0.key)_std", $0.value) }
        }
    }

    /// The model's spec for `ModelFactory.make` (metadata width 0 for a model that reads none;
    /// dropout is inactive in eval mode).
    public var spec: ModelFactory.Spec {
        ModelFactory.Spec(name: model, preset: preset, classes: classes.count, melBins: features.numMelBins, frames: features.frames,
                          metadataWidth: usesMetadata ? metadata.columns.count : 0)
    }

    /// Whether the model reads the metadata vector (only `cnn_mlp` does).
    public var usesMetadata: Bool { model == .cnnMLP }

    /// What a pack scored by this model must hold: its classes, and its metadata columns when it reads them.
    public var schema: PackSchema { PackSchema(classes: classes, metadataColumns: usesMetadata ? metadata.columns : []) }

    /// The card as the file holds it: pretty-printed JSON with sorted snake_case keys.
    public func encoded() throws -> Data { try JSONCoding.encoder([.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]).encode(self) }

    public func write(to path: String) throws {
        try encoded().write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
