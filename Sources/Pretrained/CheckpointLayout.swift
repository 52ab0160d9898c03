import ModelNames

/// The checkpoint layouts SpectroFold starts models from, each with its source's own key names.
public enum CheckpointLayout: String, CaseIterable, Sendable, Codable {
    /// torchvision's `resnet18` (`conv1`, `bn1`, `layer1.0.conv1`, …, `fc`), ImageNet's 3 input channels.
    case torchvisionResNet = "torchvision_resnet"
    /// timm's ViT and DeiT (`cls_token`, optional `dist_token`, `pos_embed` over a square grid,
    /// `patch_embed.proj` over 3 channels, `blocks.N.…`, `norm`, `head`).
    case timmViT = "timm_vit"
    /// AST's own checkpoints (`audioset_10_10_0.4593.pth`): `v.…` and `mlp_head.…` (after the
    /// `module.` prefix is dropped), positional grid 12 × 101.
    case astAudioSet = "ast_audioset"
    /// Hugging Face `ASTForAudioClassification` (`audio_spectrogram_transformer.…`, `classifier.…`).
    case huggingFaceAST = "hf_ast"

    /// The layout `names` (a checkpoint's keys) are in; nil when none fits.
    public static func detect(_ names: Set<String>) -> CheckpointLayout? {
        if names.contains("audio_spectrogram_transformer.embeddings.cls_token") { return .huggingFaceAST }
        if names.contains("v.pos_embed") && names.contains("v.patch_embed.proj.weight") { return .astAudioSet }
        if names.contains("pos_embed") && names.contains("patch_embed.proj.weight") && names.contains("cls_token") { return .timmViT }
        if names.contains("conv1.weight") && names.contains("layer1.0.conv1.weight") && names.contains("bn1.running_mean") {
            return .torchvisionResNet
        }
        return nil
    }

    /// The models a checkpoint of this layout can start.
    public var models: [ModelName] {
        switch self {
        case .torchvisionResNet: return [.baselineCNN, .cnnMLP, .cnnAttention]
        case .timmViT, .astAudioSet, .huggingFaceAST: return [.ast]
        }
    }

    /// The input statistics the checkpoint was trained with, applied as (x − mean) / (2 · std):
    /// AudioSet's for AST's own and Hugging Face's AST checkpoints; nil for ImageNet ones (the
    /// sweep's own normalisation applies).
    public var inputStatistics: (mean: Float, std: Float)? {
        switch self {
        case .astAudioSet, .huggingFaceAST: return (-4.2677393, 4.5689974)
        case .torchvisionResNet, .timmViT: return nil
        }
    }
}
