/// The four models SpectroFold compares, in the order a sweep runs them by default. The raw
/// value is the name in YAML (`models.run`, `models.<name>`), on the command line, in job paths
/// (`<model>/fold-<k>`), model cards, results.json and MLflow.
///
/// Its own target so that `NN` (which builds each model) and `Config` (which names them) share one
/// list without either importing the other; `Config` makes it a `ConfigChoice`, so a wrong name
/// is refused as it is read, with file, line, key and the nearest name.
public enum ModelName: String, CaseIterable, Codable, Hashable, Sendable, CustomStringConvertible {
    /// ResNet-18-style CNN.
    case baselineCNN = "baseline_cnn"
    /// The CNN with a metadata MLP fused before the head.
    case cnnMLP = "cnn_mlp"
    /// The CNN with CBAM attention in every residual block.
    case cnnAttention = "cnn_attention"
    /// The Audio Spectrogram Transformer.
    case ast

    /// The model's part of every job's seed (its place in the original list), fixed here so that
    /// reordering the cases never changes a sweep's seeds.
    public var seedOffset: UInt64 {
        switch self {
        case .baselineCNN: return 0
        case .cnnMLP: return 1
        case .cnnAttention: return 2
        case .ast: return 3
        }
    }

    /// The raw value, so that `"\(model)/fold-0"` spells the name as YAML and paths do.
    public var description: String { rawValue }
}
