import Random
import Tensor

/// One benchmarked op: its inputs (parameters require grad), how to run it, and the work of
/// forward + backward in flops (and bytes moved, for memory-bound ops).
struct OpCase {
    let name: String
    let inputs: [Tensor]
    let flops: Double
    let bytes: Double?
    let run: ([Tensor]) throws -> Tensor

    var shapes: [[Int]] { inputs.map(\.shape) }
    func forward() throws -> Tensor { try run(inputs) }
    func clearGradients() { inputs.forEach { $0.zeroGrad() } }
}

enum OpCases {
    /// Batch, channels in, height, width, channels out, kernel, stride, padding.
    typealias Conv = (name: String, n: Int, c: Int, h: Int, w: Int, o: Int, k: Int, s: Int, p: Int)

    /// ResNet-18's convolutions (standard width 64, then mini width 16) on 32 spectrograms of 128×100: the stem sees
    /// 128×100, layer1 32×25, layer2 16×13, layer3 8×7, layer4 4×4. Plus AST's patch embedding, and
    /// the same-size 3×3 ones on 128×500.
    static let convolutions: [Conv] = [
        ("conv2d_stem_7x7_s2", 32, 1, 128, 100, 64, 7, 2, 3),
        ("conv2d_layer1_3x3", 32, 64, 32, 25, 64, 3, 1, 1),
        ("conv2d_layer2_3x3_s2", 32, 64, 32, 25, 128, 3, 2, 1),
        ("conv2d_layer2_3x3", 32, 128, 16, 13, 128, 3, 1, 1),
        ("conv2d_layer2_downsample_1x1_s2", 32, 64, 32, 25, 128, 1, 2, 0),
        ("conv2d_layer3_3x3_s2", 32, 128, 16, 13, 256, 3, 2, 1),
        ("conv2d_layer3_3x3", 32, 256, 8, 7, 256, 3, 1, 1),
        ("conv2d_layer3_downsample_1x1_s2", 32, 128, 16, 13, 256, 1, 2, 0),
        ("conv2d_layer4_3x3_s2", 32, 256, 8, 7, 512, 3, 2, 1),
        ("conv2d_layer4_3x3", 32, 512, 4, 4, 512, 3, 1, 1),
        ("conv2d_layer4_downsample_1x1_s2", 32, 256, 8, 7, 512, 1, 2, 0),
        ("conv2d_ast_patch_16x16_s10", 32, 1, 128, 100, 192, 16, 10, 0),
        // The mini preset's (width 16) on the same input, where small channel counts leave
        // sgemm far below its rate.
        ("conv2d_mini_stem_7x7_s2", 32, 1, 128, 100, 16, 7, 2, 3),
        ("conv2d_mini_layer1_3x3", 32, 16, 32, 25, 16, 3, 1, 1),
        ("conv2d_mini_layer2_3x3_s2", 32, 16, 32, 25, 32, 3, 2, 1),
        ("conv2d_mini_layer2_3x3", 32, 32, 16, 13, 32, 3, 1, 1),
        ("conv2d_mini_layer2_downsample_1x1_s2", 32, 16, 32, 25, 32, 1, 2, 0),
        ("conv2d_mini_layer3_3x3_s2", 32, 32, 16, 13, 64, 3, 2, 1),
        ("conv2d_mini_layer3_3x3", 32, 64, 8, 7, 64, 3, 1, 1),
        ("conv2d_mini_layer4_3x3_s2", 32, 64, 8, 7, 128, 3, 2, 1),
        ("conv2d_mini_layer4_3x3", 32, 128, 4, 4, 128, 3, 1, 1),
        // The same-size 3×3 convolutions on 500 frames (5 s clips), where the planes are 5× wider.
        ("conv2d_500f_layer1_3x3", 32, 64, 32, 125, 64, 3, 1, 1),
        ("conv2d_500f_layer2_3x3", 32, 128, 16, 63, 128, 3, 1, 1),
        ("conv2d_500f_layer3_3x3", 32, 256, 8, 32, 256, 3, 1, 1),
        ("conv2d_500f_layer4_3x3", 32, 512, 4, 16, 512, 3, 1, 1),
        ("conv2d_500f_mini_layer3_3x3", 32, 64, 8, 32, 64, 3, 1, 1),
        ("conv2d_500f_mini_layer4_3x3", 32, 128, 4, 16, 128, 3, 1, 1),
    ]

    static func all() throws -> [OpCase] {
        var rng = RandomGenerator(seed: 0)
        func input(_ shape: [Int], grad: Bool = true) -> Tensor {
            let t = Tensor.randn(shape, generator: &rng)
            return grad ? t.requiringGrad() : t
        }
        var cases: [OpCase] = convolutions.map { c in
            // The stem and the patch embedding read the spectrogram itself, which needs no gradient.
            let firstLayer = c.c == 1
            let x = input([c.n, c.c, c.h, c.w], grad: !firstLayer), w = input([c.o, c.c, c.k, c.k])
            let ho = (c.h + 2 * c.p - c.k) / c.s + 1, wo = (c.w + 2 * c.p - c.k) / c.s + 1
            let forwardFlops = 2.0 * Double(c.n * c.o * ho * wo * c.c * c.k * c.k)
            return OpCase(name: c.name, inputs: [x, w], flops: forwardFlops * (firstLayer ? 2 : 3), bytes: nil) {
                try Tensor.conv2d($0[0], weight: $0[1], stride: (c.s, c.s), padding: (c.p, c.p))
            }
        }
        // AST-tiny: 32 clips × 110 tokens (12×9 patches + 2) of width 192, 3 heads of 64.
        let tokens = 32 * 110
        for (name, inWidth, outWidth) in [("linear_ast_qkv", 192, 576), ("linear_ast_proj", 192, 192),
                                          ("linear_ast_mlp_fc1", 192, 768), ("linear_ast_mlp_fc2", 768, 192)] {
            cases.append(OpCase(name: name, inputs: [input([32, 110, inWidth]), input([outWidth, inWidth]), input([outWidth])],
                                flops: 6.0 * Double(tokens * inWidth * outWidth), bytes: nil) {
                try Tensor.linear($0[0], weight: $0[1], bias: $0[2])
            })
        }
        let heads = 32 * 3
        cases.append(OpCase(name: "matmul_ast_attention_scores", inputs: [input([32, 3, 110, 64]), input([32, 3, 110, 64])],
                            flops: 6.0 * Double(heads * 110 * 110 * 64), bytes: nil) {
            try Tensor.matmul($0[0], $0[1], transposeB: true)
        })
        cases.append(OpCase(name: "matmul_ast_attention_values", inputs: [input([32, 3, 110, 110]), input([32, 3, 110, 64])],
                            flops: 6.0 * Double(heads * 110 * 110 * 64), bytes: nil) {
            try Tensor.matmul($0[0], $0[1])
        })
        // The model's attention op on the fused projection's output (B, N, 3·d): scores, softmax and
        // values in forward, four products in backward. Standard at 100 and 500 frames (110 and 590
        // tokens, 3 heads of 64), mini at 500 frames (4 heads of 16).
        for (name, n, d, h) in [("self_attention_ast", 110, 192, 3), ("self_attention_ast_500f", 590, 192, 3),
                                ("self_attention_ast_mini_500f", 590, 64, 4)] {
            cases.append(OpCase(name: name, inputs: [input([32, n, 3 * d])], flops: 12.0 * Double(32 * n * n * d), bytes: nil) {
                try Tensor.selfAttention(qkv: $0[0], heads: h)
            })
        }
        // Memory-bound ops: bytes are the float32 elements read and written by forward + backward.
        let feature = [32, 64, 32, 25], featureCount = Double(32 * 64 * 32 * 25)
        let runningMean = Tensor.zeros([64]), runningVar = Tensor.ones([64])
        cases.append(OpCase(name: "batch_norm_train", inputs: [input(feature), input([64]), input([64])],
                            flops: 14 * featureCount, bytes: 4 * 9 * featureCount) {
            try Tensor.batchNorm($0[0], weight: $0[1], bias: $0[2], runningMean: runningMean, runningVar: runningVar, training: true)
        })
        let miniFeature = [32, 16, 32, 25], miniCount = Double(32 * 16 * 32 * 25)
        let miniMean = Tensor.zeros([16]), miniVar = Tensor.ones([16])
        cases.append(OpCase(name: "batch_norm_train_mini", inputs: [input(miniFeature), input([16]), input([16])],
                            flops: 14 * miniCount, bytes: 4 * 9 * miniCount) {
            try Tensor.batchNorm($0[0], weight: $0[1], bias: $0[2], runningMean: miniMean, runningVar: miniVar, training: true)
        })
        cases.append(OpCase(name: "relu_mini_layer1", inputs: [input(miniFeature)],
                            flops: 2 * miniCount, bytes: 4 * 5 * miniCount) { $0[0].relu() })
        let astTokens = Double(tokens * 192)
        cases.append(OpCase(name: "layer_norm_ast", inputs: [input([32, 110, 192]), input([192]), input([192])],
                            flops: 16 * astTokens, bytes: 4 * 6 * astTokens) {
            try Tensor.layerNorm($0[0], weight: $0[1], bias: $0[2], eps: 1e-6)
        })
        let scores = Double(heads * 110 * 110)
        cases.append(OpCase(name: "softmax_ast_attention", inputs: [input([32, 3, 110, 110])],
                            flops: 8 * scores, bytes: 4 * 6 * scores) { try $0[0].softmax(axis: -1) })
        let hidden = Double(tokens * 768)
        cases.append(OpCase(name: "gelu_ast_mlp", inputs: [input([32, 110, 768])],
                            flops: 30 * hidden, bytes: 4 * 5 * hidden) { $0[0].gelu() })
        cases.append(OpCase(name: "relu_resnet_layer1", inputs: [input(feature)],
                            flops: 2 * featureCount, bytes: 4 * 5 * featureCount) { $0[0].relu() })
        cases.append(OpCase(name: "add_resnet_residual", inputs: [input(feature), input(feature)],
                            flops: 3 * featureCount, bytes: 4 * 7 * featureCount) { try $0[0] + $0[1] })
        cases.append(OpCase(name: "max_pool2d_resnet_stem", inputs: [input([32, 64, 64, 50])],
                            flops: 9 * 4 * featureCount, bytes: 4 * 4 * 4 * featureCount) {
            try $0[0].maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1))
        })
        return cases
    }
}
