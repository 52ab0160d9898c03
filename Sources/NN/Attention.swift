import Random
import Tensor

/// Multi-head self-attention as in timm's ViT (AST's blocks): qkv = Linear(d, 3d) with rows
/// q | k | v and heads contiguous inside each, softmax(q·kᵀ/√dₕ)·v per head, then proj.
/// x (B, N, d) → (B, N, d).
public final class MultiHeadSelfAttention: Module, Layer {
    public let heads: Int
    public let qkv: Linear, proj: Linear

    public init(width: Int, heads: Int, generator: inout RandomGenerator) {
        precondition(width % heads == 0, "MultiHeadSelfAttention: width \(width) is not a multiple of \(heads) heads")
        self.heads = heads
        qkv = Linear(width, 3 * width, generator: &generator)
        proj = Linear(width, width, generator: &generator)
        super.init()
        child("qkv", qkv)
        child("proj", proj)
    }

    public func forward(_ x: Tensor) throws -> Tensor { try forward(x, queries: nil) }

    /// x (B, N, d) → (B, Q, d): the outputs of the first Q = `queries` tokens (all N if nil),
    /// each attending to all N.
    public func forward(_ x: Tensor, queries: Int?) throws -> Tensor {
        guard x.rank == 3 else { throw TensorError(op: "attention", "input must be (B, N, d), got \(x.shape)") }
        return try proj(Tensor.selfAttention(qkv: qkv(x), heads: heads, queries: queries))
    }
}

/// timm's ViT MLP: fc1 (d → hidden), exact GELU, fc2 (hidden → d).
public final class MLP: Module, Layer {
    public let fc1: Linear, fc2: Linear

    public init(width: Int, hidden: Int, generator: inout RandomGenerator) {
        fc1 = Linear(width, hidden, generator: &generator)
        fc2 = Linear(hidden, width, generator: &generator)
        super.init()
        child("fc1", fc1)
        child("fc2", fc2)
    }

    public func forward(_ x: Tensor) throws -> Tensor { try fc2(fc1(x).gelu()) }
}
