import Random
import XCTest
import Tensor

/// A finite-difference check of every op's backward.
final class GradientCheckTests: XCTestCase {
    func testArithmeticWithBroadcasting() throws {
        let a = parameter([2, 3, 4], seed: 1), b = parameter([3, 1], seed: 2)
        let c = parameter([4], seed: 3), d = parameterAwayFromZero([1, 3, 4], seed: 4, margin: 0.5)
        try checkGradients([a, b]) { try $0[0] + $0[1] }
        try checkGradients([a, b]) { try $0[0] - $0[1] }
        try checkGradients([a, c]) { try $0[0] * $0[1] }
        try checkGradients([c, a]) { try $0[0] * $0[1] }
        try checkGradients([a, d]) { try $0[0] / $0[1] }
        try checkGradients([b, a]) { try $0[0] - $0[1] }
        // A per-(sample, channel) gate over planes longer than the 16 lanes its gradient sums in
        // (rows that each write their own element, in parallel), as the channel attention's.
        let planes = parameter([2, 3, 5, 7], seed: 30), gate = parameter([2, 3, 1, 1], seed: 31)
        try checkGradients([planes, gate]) { try $0[0] * $0[1] }
        try checkGradients([gate, planes]) { try $0[0] + $0[1] }
    }

    func testScalarOps() throws {
        let a = parameter([3, 5], seed: 5)
        try checkGradients([a]) { ($0[0] * 2.5 + 1) - 0.5 }
        try checkGradients([a]) { 3 - $0[0] / 4 }
        try checkGradients([a]) { -$0[0] }
    }

    func testMatmulPlainBatchedSharedAndTransposed() throws {
        let a = parameter([3, 4], seed: 6), b = parameter([4, 5], seed: 7)
        try checkGradients([a, b]) { try Tensor.matmul($0[0], $0[1]) }
        let p = parameter([2, 3, 4], seed: 8), q = parameter([2, 4, 5], seed: 9), r = parameter([2, 5, 4], seed: 10)
        try checkGradients([p, q]) { try Tensor.matmul($0[0], $0[1]) }
        try checkGradients([p, r]) { try Tensor.matmul($0[0], $0[1], transposeB: true) }
        try checkGradients([p, b]) { try Tensor.matmul($0[0], $0[1]) }
        let shared = parameter([5, 4], seed: 11)
        try checkGradients([p, shared]) { try Tensor.matmul($0[0], $0[1], transposeB: true) }
    }

    func testLinear() throws {
        let x = parameter([2, 3, 6], seed: 12), w = parameter([4, 6], seed: 13), b = parameter([4], seed: 14)
        try checkGradients([x, w, b]) { try Tensor.linear($0[0], weight: $0[1], bias: $0[2]) }
        try checkGradients([x, w]) { try Tensor.linear($0[0], weight: $0[1], bias: nil) }
    }

    func testReductions() throws {
        let a = parameter([3, 4, 5], seed: 15)
        try checkGradients([a]) { $0[0].sum() }
        try checkGradients([a]) { $0[0].mean() }
        try checkGradients([a]) { try $0[0].sum(axes: [1]) }
        try checkGradients([a]) { try $0[0].sum(axes: [0, 2], keepDims: true) }
        try checkGradients([a]) { try $0[0].mean(axes: [-1]) }
        let distinct = distinctParameter([3, 4, 5], seed: 16)
        try checkGradients([distinct]) { try $0[0].max(axis: 1) }
        try checkGradients([distinct]) { try $0[0].max(axis: -1, keepDims: true) }
        try checkGradients([distinct]) { try $0[0].max(axis: 0, keepDims: true) }
    }

    func testLayoutOps() throws {
        let a = parameter([2, 3, 4], seed: 17), b = parameter([2, 2, 4], seed: 18)
        try checkGradients([a]) { try $0[0].reshaped([4, -1]) }
        try checkGradients([a]) { try $0[0].permuted([2, 0, 1]) }
        try checkGradients([a]) { try $0[0].transposed(0, 2) }
        try checkGradients([a, b]) { try Tensor.concat([$0[0], $0[1]], axis: 1) }
        try checkGradients([a]) { try $0[0].slice(axis: 2, 1..<3) }
        let c = parameter([3, 1], seed: 19)
        try checkGradients([c]) { try $0[0].expanded(to: [2, 3, 5]) }
    }

    func testActivations() throws {
        let a = parameterAwayFromZero([4, 6], seed: 20)
        try checkGradients([a]) { $0[0].relu() }
        try checkGradients([a]) { $0[0].gelu() }
        try checkGradients([a]) { $0[0].sigmoid() }
        try checkGradients([a]) { $0[0].tanh() }
    }

    func testSelfAttention() throws {
        let qkv = parameter([2, 5, 12], seed: 23)
        try checkGradients([qkv]) { try Tensor.selfAttention(qkv: $0[0], heads: 2) }
        try checkGradients([qkv]) { try Tensor.selfAttention(qkv: $0[0], heads: 2, queries: 2) }
    }

    /// The first Q tokens' outputs alone are the full op's first Q rows, and their gradient is the
    /// full op's under an upstream gradient that is zero on the other rows.
    func testSelfAttentionOfTheFirstQueriesIsTheFullOpsFirstRows() throws {
        let qkv = parameter([2, 7, 24], seed: 24)
        var rng = RandomGenerator(seed: 25)
        let probe = Tensor.randn([2, 2, 8], generator: &rng)
        let first = try Tensor.selfAttention(qkv: qkv, heads: 4, queries: 2)
        try (first * probe).sum().backward()
        let firstGradient = try Tensor(qkv.grad!.scalars, shape: qkv.shape)
        qkv.zeroGrad()
        let full = try Tensor.selfAttention(qkv: qkv, heads: 4).slice(axis: 1, 0..<2)
        try (full * probe).sum().backward()
        assertClose(first, full.detached(), 1e-5, "output")
        assertClose(firstGradient, try Tensor(qkv.grad!.scalars, shape: qkv.shape), 1e-5, "gradient")
        XCTAssertThrowsError(try Tensor.selfAttention(qkv: qkv, heads: 4, queries: 8))
    }

    func testSoftmaxFamily() throws {
        let a = parameter([3, 4, 5], seed: 21, scale: 2)
        try checkGradients([a]) { try $0[0].softmax(axis: -1) }
        try checkGradients([a]) { try $0[0].softmax(axis: 1) }
        try checkGradients([a]) { try $0[0].logSoftmax(axis: -1) }
        try checkGradients([a]) { try $0[0].logSoftmax(axis: 0) }
        let logits = parameter([5, 4], seed: 22, scale: 2)
        try checkGradients([logits]) { try Tensor.crossEntropy($0[0], labels: [0, 3, 1, 1, 2]) }
        try checkGradients([logits]) { try Tensor.crossEntropy($0[0], labels: [0, 3, 1, 1, 2], labelSmoothing: 0.2) }
    }

    func testDropoutUsesItsMask() throws {
        let a = parameter([6, 7], seed: 23)
        try checkGradients([a]) { inputs in
            var rng = RandomGenerator(seed: 5)
            return try inputs[0].dropout(0.3, generator: &rng)
        }
    }

    func testConv2d() throws {
        let x = parameter([2, 3, 7, 6], seed: 24), w = parameter([4, 3, 3, 3], seed: 25, scale: 0.3), b = parameter([4], seed: 26)
        try checkGradients([x, w, b]) { try Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], stride: (1, 1), padding: (1, 1)) }
        try checkGradients([x, w]) { try Tensor.conv2d($0[0], weight: $0[1], stride: (2, 2), padding: (1, 0)) }
        let w1 = parameter([5, 3, 1, 1], seed: 27)
        try checkGradients([x, w1]) { try Tensor.conv2d($0[0], weight: $0[1], stride: (2, 2)) }
        let w7 = parameter([2, 3, 7, 7], seed: 28, scale: 0.2)
        try checkGradients([x, w7]) { try Tensor.conv2d($0[0], weight: $0[1], stride: (2, 2), padding: (3, 3)) }
        let w5 = parameter([2, 3, 5, 5], seed: 60, scale: 0.2)
        try checkGradients([x, w5]) { try Tensor.conv2d($0[0], weight: $0[1], padding: (2, 2)) }
        // CBAM's 7×7 spatial convolution on a map smaller than its padding (layer4 of short clips).
        let small = parameter([1, 2, 3, 2], seed: 62), w7same = parameter([2, 2, 7, 7], seed: 63, scale: 0.2)
        try checkGradients([small, w7same]) { try Tensor.conv2d($0[0], weight: $0[1], padding: (3, 3)) }
    }

    /// The direct kernel's path: stride 1, same size, channels in multiples of 8, a wide plane.
    func testDirectStrideOneConv2d() throws {
        let x = parameter([2, 8, 4, 14], seed: 64), w = parameter([8, 8, 3, 3], seed: 65, scale: 0.2), b = parameter([8], seed: 66)
        try checkGradients([x, w, b]) { try Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], padding: (1, 1)) }
    }

    func testPooling() throws {
        let x = distinctParameter([2, 2, 7, 6], seed: 29)
        try checkGradients([x]) { try $0[0].maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        try checkGradients([x]) { try $0[0].avgPool2d(kernel: (2, 2)) }
        try checkGradients([x]) { try $0[0].avgPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        try checkGradients([x]) { try $0[0].adaptiveAvgPool2d((3, 4)) }
        try checkGradients([x]) { try $0[0].adaptiveMaxPool2d((3, 2)) }
        try checkGradients([x]) { try $0[0].adaptiveAvgPool2d((1, 1)) }
        // Global pooling over planes longer than 16 (the vectorised path).
        let wide = distinctParameter([2, 3, 5, 7], seed: 32)
        try checkGradients([wide]) { try $0[0].adaptiveMaxPool2d((1, 1)) }
        try checkGradients([wide]) { try $0[0].adaptiveAvgPool2d((1, 1)) }
        // Ties: the gradient goes to the first maximum, in a lane block or in the tail.
        for (first, second) in [(20, 33), (33, 34)] {
            var values = [Float](repeating: 0, count: 35)
            (values[first], values[second]) = (2, 2)
            let tied = try Tensor(values, shape: [1, 1, 5, 7]).requiringGrad()
            try tied.adaptiveMaxPool2d((1, 1)).sum().backward()
            XCTAssertEqual(tied.grad!.scalars.firstIndex(of: 1), first)
            XCTAssertEqual(tied.grad!.scalars.reduce(0, +), 1)
        }
    }

    func testBatchNormTrainingAndEval() throws {
        let x = parameter([4, 3, 3, 2], seed: 30, scale: 2), w = parameter([3], seed: 31), b = parameter([3], seed: 32)
        let runningMean = Tensor.zeros([3]), runningVar = Tensor.ones([3])
        for training in [true, false] {
            try checkGradients([x, w, b]) {
                try Tensor.batchNorm($0[0], weight: $0[1], bias: $0[2], runningMean: runningMean, runningVar: runningVar, training: training)
            }
        }
    }

    /// Batch norm fused with ReLU, on values whose outputs stay at least 0.1 from the ReLU's kink:
    /// every channel of every sample holds its offset ± 0.3 … 0.8 (mean offset − 0.05), shuffled.
    func testBatchNormFusedWithReLU() throws {
        var rng = RandomGenerator(seed: 61)
        var values: [Float] = []
        for _ in 0..<4 {  // samples
            for offset in [Float(1), -2, 0.5] {
                var deviations: [Float] = [0.3, -0.4, 0.5, -0.6, 0.7, -0.8]
                deviations.shuffle(using: &rng)
                values += deviations.map { offset + $0 }
            }
        }
        let x = try Tensor(values, shape: [4, 3, 3, 2]).requiringGrad()
        let w = try Tensor([1.0, 0.7, 1.3], shape: [3]).requiringGrad(), b = try Tensor([0.05, -0.1, 0], shape: [3]).requiringGrad()
        let runningMean = Tensor.zeros([3]), runningVar = Tensor.ones([3])
        for training in [true, false] {
            try checkGradients([x, w, b]) {
                try Tensor.batchNorm($0[0], weight: $0[1], bias: $0[2], runningMean: runningMean, runningVar: runningVar,
                                     training: training, relu: true)
            }
        }
    }

    func testLayerNorm() throws {
        let x = parameter([3, 4, 8], seed: 33, scale: 2), w = parameter([8], seed: 34), b = parameter([8], seed: 35)
        try checkGradients([x, w, b]) { try Tensor.layerNorm($0[0], weight: $0[1], bias: $0[2], eps: 1e-6) }
    }

    /// A tensor used twice accumulates both contributions.
    func testReusedTensorAccumulates() throws {
        let a = parameter([3, 3], seed: 36)
        try checkGradients([a]) { inputs in try Tensor.matmul(inputs[0], inputs[0]) + inputs[0].tanh() }
    }
}
