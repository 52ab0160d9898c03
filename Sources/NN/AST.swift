import Random
import Tensor

/// Audio Spectrogram Transformer (Gong et al. 2021), named as the original code (timm's DeiT
/// under `v.`). x (B, 1, F, T), mel bin 0 first → logits (B, classes):
/// 16×16 patches at stride 10×10 over frequency × time (`v.patch_embed.proj`), flattened
/// frequency-major into N = f·t tokens of width d; cls and distillation tokens prepended;
/// positional embedding (1, N + 2, d) added; depth pre-norm blocks, the last computing only the
/// two tokens the head reads; `v.norm`; the mean of the two tokens through `mlp_head` (LayerNorm
/// eps 1e-5, Linear).
public final class AST: Module, Layer {
    public let width: Int
    public let patchGrid: (frequency: Int, time: Int)
    public let vision: Module
    public let patchEmbed: Conv2d
    public let clsToken: Tensor, distToken: Tensor, positions: Tensor
    public let positionDropout: Dropout
    public let blocks: [TransformerBlock]
    public let norm: LayerNorm
    public let headNorm: LayerNorm, head: Linear

    public init(inputShape: (frequency: Int, time: Int), classes: Int, width: Int, depth: Int, heads: Int,
                dropout: Float, generator: inout RandomGenerator) {
        self.width = width
        patchGrid = ((inputShape.frequency - 16) / 10 + 1, (inputShape.time - 16) / 10 + 1)
        let tokens = patchGrid.frequency * patchGrid.time + 2
        patchEmbed = Conv2d(1, width, kernel: 16, stride: 10, generator: &generator)
        clsToken = Initialisers.truncatedNormal([1, 1, width], std: 0.02, generator: &generator)
        distToken = Initialisers.truncatedNormal([1, 1, width], std: 0.02, generator: &generator)
        positions = Initialisers.truncatedNormal([1, tokens, width], std: 0.02, generator: &generator)
        positionDropout = Dropout(dropout, generator: &generator)
        blocks = (0..<depth).map { _ in TransformerBlock(width: width, heads: heads, generator: &generator) }
        norm = LayerNorm(width, eps: 1e-6)
        headNorm = LayerNorm(width)
        head = Linear(width, classes, generator: &generator)
        vision = Module()
        super.init()
        vision.parameter("cls_token", clsToken)
        vision.parameter("dist_token", distToken)
        vision.parameter("pos_embed", positions)
        vision.child("patch_embed", Module()).child("proj", patchEmbed)
        vision.child("pos_drop", positionDropout)
        let blockList = vision.child("blocks", Module())
        for (index, block) in blocks.enumerated() { blockList.child(String(index), block) }
        vision.child("norm", norm)
        child("v", vision)
        child("mlp_head", Sequential([headNorm, head]))
    }

    /// (B, 1, F, T) → (B, classes).
    public func forward(_ x: Tensor) throws -> Tensor {
        guard x.rank == 4, (x.shape[2] - 16) / 10 + 1 == patchGrid.frequency, (x.shape[3] - 16) / 10 + 1 == patchGrid.time else {
            throw TensorError(op: "ast", "input \(x.shape) does not give the \(patchGrid) patch grid the model was built for")
        }
        let b = x.shape[0], n = patchGrid.frequency * patchGrid.time
        let patches = try patchEmbed(x).reshaped([b, width, n]).transposed(1, 2)  // (B, N, d)
        let cls = try clsToken.expanded(to: [b, 1, width]), dist = try distToken.expanded(to: [b, 1, width])
        var h = try positionDropout(Tensor.concat([cls, dist, patches], axis: 1) + positions)
        // Only the cls and distillation tokens reach the head, so the last block computes those
        // two (attending to every token) and skips the rest: the same logits and gradients.
        for block in blocks.dropLast() { h = try block(h) }
        h = try norm(blocks.last.map { try $0.forward(h, keepingTokens: 2) } ?? h)
        let pooled = try (h.slice(axis: 1, 0..<1) + h.slice(axis: 1, 1..<2)).reshaped([b, width]) * 0.5
        return try head(headNorm(pooled))
    }
}

/// timm's pre-norm transformer block: x + attn(norm1(x)), then x + mlp(norm2(x)); LayerNorm
/// eps 1e-6, MLP hidden width 4d.
public final class TransformerBlock: Module, Layer {
    public let norm1: LayerNorm, attn: MultiHeadSelfAttention, norm2: LayerNorm, mlp: MLP

    public init(width: Int, heads: Int, generator: inout RandomGenerator) {
        norm1 = LayerNorm(width, eps: 1e-6)
        attn = MultiHeadSelfAttention(width: width, heads: heads, generator: &generator)
        norm2 = LayerNorm(width, eps: 1e-6)
        mlp = MLP(width: width, hidden: 4 * width, generator: &generator)
        super.init()
        child("norm1", norm1)
        child("attn", attn)
        child("norm2", norm2)
        child("mlp", mlp)
    }

    public func forward(_ x: Tensor) throws -> Tensor { try forward(x, keepingTokens: nil) }

    /// x (B, N, d) → (B, `tokens`, d): the block's output for the first `tokens` tokens alone (all
    /// N if nil), each attending to all N, as `forward(x)` sliced but without the other tokens' work.
    public func forward(_ x: Tensor, keepingTokens tokens: Int?) throws -> Tensor {
        let kept = try tokens.map { try x.slice(axis: 1, 0..<$0) } ?? x
        let h = try kept + attn.forward(norm1(x), queries: tokens)
        return try h + mlp(norm2(h))
    }
}
