import Foundation
import SafeTensors
import XCTest
import Tensor

/// Forward outputs and input gradients against PyTorch, from `Fixtures/make_fixtures.py`.
final class ReferenceFixtureTests: XCTestCase {
    private static let fixtures: SafeTensorsFile = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/tensor_fixtures.safetensors").path
        return try! SafeTensorsFile.read(contentsOf: path)
    }()

    private func tensor(_ name: String, grad: Bool = false) throws -> Tensor {
        let (values, shape) = try Self.fixtures.floats(named: name)
        let t = try Tensor(values, shape: shape)
        return grad ? t.requiringGrad() : t
    }

    /// Runs `body` on the case's inputs (first the `constants`, which need no gradient), then
    /// checks the output and, through loss = Σ out · probe, every other input's gradient against
    /// PyTorch's.
    private func check(
        _ name: String, constants: [String] = [], inputs names: [String], tolerance: Float = 1e-4,
        file: StaticString = #filePath, line: UInt = #line,
        _ body: ([Tensor]) throws -> Tensor
    ) throws {
        let inputs = try names.map { try tensor("\(name).\($0)", grad: true) }
        let out = try body(try constants.map { try tensor("\(name).\($0)") } + inputs)
        assertClose(out, try tensor("\(name).out"), tolerance, "\(name) output", file: file, line: line)
        try (out * tensor("\(name).probe")).sum().backward()
        for (input, key) in zip(inputs, names) {
            assertClose(input.grad!, try tensor("\(name).grad.\(key)"), tolerance, "\(name) d/d\(key)", file: file, line: line)
        }
    }

    func testConv2d() throws {
        try check("conv_strided_padded", inputs: ["x", "weight", "bias"]) {
            try Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], stride: (2, 2), padding: (1, 1))
        }
        try check("conv_1x1", inputs: ["x", "weight"]) { try Tensor.conv2d($0[0], weight: $0[1]) }
        try check("conv_1x1_stride2", inputs: ["x", "weight"]) { try Tensor.conv2d($0[0], weight: $0[1], stride: (2, 2)) }
        try check("conv_7x7", inputs: ["x", "weight"]) {
            try Tensor.conv2d($0[0], weight: $0[1], stride: (2, 2), padding: (3, 3))
        }
        try check("conv_rect", inputs: ["x", "weight", "bias"]) {
            try Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], stride: (3, 2), padding: (0, 1))
        }
        try check("conv_3x3_same", inputs: ["x", "weight", "bias"]) {
            try Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], padding: (1, 1))
        }
        try check("conv_5x5_same", inputs: ["x", "weight"]) { try Tensor.conv2d($0[0], weight: $0[1], padding: (2, 2)) }
    }

    /// Stride-1 same-size convolutions that the engine computes with its direct kernel (channel
    /// counts in multiples of 8, planes large enough), with a 3×3 and a 5×3 kernel.
    func testDirectStrideOneConv2d() throws {
        try check("conv_3x3_direct", inputs: ["x", "weight", "bias"]) {
            try Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], padding: (1, 1))
        }
        try check("conv_5x3_direct", inputs: ["x", "weight"]) { try Tensor.conv2d($0[0], weight: $0[1], padding: (2, 1)) }
    }

    /// 3×3 same-size convolutions that the engine computes by Winograd's F(2×2, 3×3) (see
    /// `WinogradConvolution.init`: at least 64 channels in and out, 1,024 tiles × channels), on
    /// planes whose last tiles reach past them and on even ones.
    func testWinogradConv2d() throws {
        try check("conv_3x3_winograd_odd", inputs: ["x", "weight", "bias"]) {
            try Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], padding: (1, 1))
        }
        try check("conv_3x3_winograd_even", inputs: ["x", "weight"]) { try Tensor.conv2d($0[0], weight: $0[1], padding: (1, 1)) }
    }

    /// Stride-2 convolutions on one and two input channels that need no gradient (the stem's kind),
    /// which the engine computes by its direct kernel over the input's four phases (output
    /// channels in multiples of 8, output rows 32 floats wide with the phase kernel's overlap).
    func testPhaseSplitConv2d() throws {
        try check("conv_7x7_phases", constants: ["x"], inputs: ["weight", "bias"]) {
            try Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], stride: (2, 2), padding: (3, 3))
        }
        try check("conv_5x5_phases", constants: ["x"], inputs: ["weight"]) {
            try Tensor.conv2d($0[0], weight: $0[1], stride: (2, 2), padding: (2, 2))
        }
    }

    /// Max pooling with ties in most windows, square and rectangular, on planes wide enough for
    /// the kernel's four-at-a-time path.
    func testMaxPoolWithTies() throws {
        try check("max_pool_3x3_s2", inputs: ["x"]) { try $0[0].maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        try check("max_pool_3x2_rect", inputs: ["x"]) { try $0[0].maxPool2d(kernel: (3, 2), stride: (2, 1), padding: (1, 0)) }
    }

    func testBatchNormTrainAndEvalWithRunningStatistics() throws {
        for (name, training) in [("bn_train", true), ("bn_eval", false)] {
            let runningMean = try tensor("\(name).running_mean_before"), runningVar = try tensor("\(name).running_var_before")
            try check(name, inputs: ["x", "weight", "bias"]) {
                try Tensor.batchNorm(
                    $0[0], weight: $0[1], bias: $0[2], runningMean: runningMean, runningVar: runningVar,
                    training: training, momentum: 0.1, eps: 1e-5)
            }
            assertClose(runningMean, try tensor("\(name).running_mean_after"), 1e-5, "\(name) running mean")
            assertClose(runningVar, try tensor("\(name).running_var_after"), 1e-5, "\(name) running var")
        }
    }

    func testBatchNormFusedWithReLU() throws {
        for (name, training) in [("bn_relu_train", true), ("bn_relu_eval", false)] {
            let runningMean = try tensor("\(name).running_mean_before"), runningVar = try tensor("\(name).running_var_before")
            try check(name, inputs: ["x", "weight", "bias"]) {
                try Tensor.batchNorm(
                    $0[0], weight: $0[1], bias: $0[2], runningMean: runningMean, runningVar: runningVar,
                    training: training, momentum: 0.1, eps: 1e-5, relu: true)
            }
            assertClose(runningMean, try tensor("\(name).running_mean_after"), 1e-5, "\(name) running mean")
            assertClose(runningVar, try tensor("\(name).running_var_after"), 1e-5, "\(name) running var")
        }
    }

    func testLayerNorm() throws {
        try check("layer_norm", inputs: ["x", "weight", "bias"]) {
            try Tensor.layerNorm($0[0], weight: $0[1], bias: $0[2], eps: 1e-6)
        }
    }

    func testSoftmaxAndCrossEntropy() throws {
        try check("softmax", inputs: ["x"]) { try $0[0].softmax(axis: -1) }
        for (name, smoothing) in [("cross_entropy", Float(0)), ("cross_entropy_smoothed", 0.1)] {
            let labels = try Self.fixtures.int64s(named: "\(name).labels").values.map { Int($0) }
            try check(name, inputs: ["logits"]) {
                try Tensor.crossEntropy($0[0], labels: labels, labelSmoothing: smoothing)
            }
        }
    }

    func testGELU() throws {
        try check("gelu", inputs: ["x"]) { $0[0].gelu() }
    }

    func testAttentionShapedBatchedMatmul() throws {
        try check("attention", inputs: ["q", "k", "v"]) { t in
            let scores = try Tensor.matmul(t[0], t[1], transposeB: true) * (1 / Float(8).squareRoot())
            return try Tensor.matmul(scores.softmax(axis: -1), t[2])
        }
    }

    func testSelfAttentionOnTheFusedProjection() throws {
        try check("self_attention", inputs: ["qkv"]) { try Tensor.selfAttention(qkv: $0[0], heads: 3) }
    }

    /// At a size with full and partial register tiles and panels in every product; a second
    /// backward adds to the gradient (the products' accumulating stores), doubling it.
    func testSelfAttentionAcrossFullAndPartialTiles() throws {
        try check("self_attention_tiles", inputs: ["qkv"]) { try Tensor.selfAttention(qkv: $0[0], heads: 3) }
        let (qkv, probe) = (try tensor("self_attention_tiles.qkv", grad: true), try tensor("self_attention_tiles.probe"))
        for _ in 0..<2 { try (Tensor.selfAttention(qkv: qkv, heads: 3) * probe).sum().backward() }
        assertClose(qkv.grad!, try tensor("self_attention_tiles.grad.qkv") * 2, 2e-4, "self_attention_tiles twice d/dqkv")
    }
}

/// Fails unless `actual` has `expected`'s shape and every element within `tolerance` (absolute,
/// plus the same relative to the expected magnitude).
func assertClose(
    _ actual: Tensor, _ expected: Tensor, _ tolerance: Float, _ what: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.shape, expected.shape, "\(what): shape", file: file, line: line)
    guard actual.shape == expected.shape else { return }
    var worst: (index: Int, difference: Float) = (0, 0)
    for (index, (a, e)) in zip(actual.scalars, expected.scalars).enumerated() {
        let excess = abs(a - e) - tolerance * (1 + abs(e))
        if excess > worst.difference { worst = (index, excess) }
    }
    XCTAssertEqual(
        worst.difference, 0,
        "\(what): element \(worst.index) is \(actual.scalars[worst.index]), expected \(expected.scalars[worst.index])",
        file: file, line: line)
}
