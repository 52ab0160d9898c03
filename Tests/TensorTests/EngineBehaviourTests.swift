import Random
import XCTest
import Tensor

/// Inference mode, seeding, views, thread settings and error messages at the API boundary.
final class EngineBehaviourTests: XCTestCase {
    func testInferenceModeRecordsNothing() throws {
        let w = parameter([4, 3], seed: 1)
        let x = parameter([2, 4], seed: 2)
        let y = try GradMode.withDisabled { try Tensor.matmul(x, w).relu().sum() }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertThrowsError(try y.backward())
        XCTAssertNil(w.grad)
        XCTAssertTrue(GradMode.isEnabled)
        // Outside inference mode the same computation records a graph and fills gradients.
        try Tensor.matmul(x, w).relu().sum().backward()
        XCTAssertNotNil(w.grad)
    }

    func testBackwardFreesTheGraph() throws {
        let w = parameter([3], seed: 3)
        let hidden = w * 2
        let loss = hidden.sum()
        try loss.backward()
        XCTAssertNil(hidden.grad, "intermediate results keep no gradient")
        XCTAssertEqual(w.grad!.scalars, [2, 2, 2])
    }

    func testSameSeedSameStream() {
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42), c = RandomGenerator(seed: 43)
        let x = Tensor.randn([100], generator: &a).scalars
        XCTAssertEqual(x, Tensor.randn([100], generator: &b).scalars)
        XCTAssertNotEqual(x, Tensor.randn([100], generator: &c).scalars)
        let mean = x.reduce(0, +) / 100
        XCTAssertEqual(mean, 0, accuracy: 0.3)
        let uniform = Tensor.uniform([1000], low: -2, high: 3, generator: &a).scalars
        XCTAssertGreaterThanOrEqual(uniform.min()!, -2)
        XCTAssertLessThan(uniform.max()!, 3)
        var (first, again, other) = (RandomGenerator(seed: 42, stream: 1), RandomGenerator(seed: 42, stream: 1), RandomGenerator(seed: 42, stream: 2))
        XCTAssertEqual(first.next(), again.next())
        XCTAssertNotEqual(first.next(), other.next())
        var values = Array(0..<50), same = Array(0..<50)
        var (one, two) = (RandomGenerator(seed: 7, stream: 3), RandomGenerator(seed: 7, stream: 3))
        one.shuffle(&values)
        two.shuffle(&same)
        XCTAssertEqual(values, same)
        XCTAssertEqual(Set(values), Set(0..<50))
        XCTAssertTrue((0..<1000).allSatisfy { _ in (0..<7).contains(other.below(7)) })
    }

    func testReshapeIsAViewAndPermuteACopy() throws {
        let a = try Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let view = try a.reshaped([3, 2])
        XCTAssertEqual(try a.transposed(0, 1).scalars, [1, 4, 2, 5, 3, 6])
        view.withUnsafeMutableBufferPointer { $0[5] = 60 }
        XCTAssertEqual(a.scalars.last, 60, "a reshape shares the storage")
        XCTAssertEqual(try a.permuted([1, 0]).shape, [3, 2])
    }

    func testThreadSettingsAndParallelResultsMatchSerial() throws {
        defer { ComputeThreads.set(ProcessInfo.processInfo.activeProcessorCount) }
        func run() throws -> [[Float]] {
            let x = parameter([8, 16, 20, 24], seed: 4), w = parameter([32, 16, 3, 3], seed: 5, scale: 0.1)
            let gamma = parameter([32], seed: 6), beta = parameter([32], seed: 7)
            let y = try Tensor.conv2d(x, weight: w, padding: (1, 1))
            let z = try Tensor.batchNorm(y, weight: gamma, bias: beta, runningMean: .zeros([32]), runningVar: .ones([32]), training: true)
            let tokens = try z.reshaped([8, 32, 480]).transposed(1, 2)
            let normed = try Tensor.layerNorm(tokens, weight: nil, bias: nil)
            let loss = try (normed.gelu().softmax(axis: -1) * normed).sum()
            try loss.backward()
            return [loss.scalars, x.grad!.scalars, w.grad!.scalars, gamma.grad!.scalars]
        }
        ComputeThreads.set(1)
        XCTAssertEqual(ComputeThreads.current, 1)
        XCTAssertEqual(ComputeThreads.blas, 1)
        let serial = try run()
        ComputeThreads.set(2)
        XCTAssertEqual(ComputeThreads.current, 2)
        XCTAssertEqual(ComputeThreads.blas, 1, "OpenBLAS stays single-threaded; gemm splits large products itself")
        let parallel = try run()
        for (s, p) in zip(serial, parallel) {
            let scale = s.map(abs).max()!
            for (a, b) in zip(s, p) { XCTAssertEqual(a, b, accuracy: 1e-4 * max(scale, 1)) }
        }
        XCTAssertEqual(try run()[1], parallel[1], "the same thread count gives identical results")
    }

    /// gemm splits a large product into one block per thread, along rows (m > n) or columns, with
    /// and without transposed operands: the one-thread result to rounding, and the same result on
    /// every run with the same thread count.
    func testLargeProductsSplitOverThreadsGiveTheOneThreadResult() throws {
        defer { ComputeThreads.set(ProcessInfo.processInfo.activeProcessorCount) }
        let tall = parameter([300, 200], seed: 70), wide = parameter([64, 200], seed: 71)
        let right = parameter([200, 300], seed: 72), narrow = parameter([200, 64], seed: 73)
        func products() throws -> [[Float]] {
            try GradMode.withDisabled {
                [try Tensor.matmul(tall, narrow), try Tensor.matmul(wide, right), try Tensor.matmul(tall, wide, transposeB: true),
                 try Tensor.matmul(wide, tall, transposeB: true)].map(\.scalars)
            }
        }
        ComputeThreads.set(1)
        let serial = try products()
        ComputeThreads.set(2)
        let parallel = try products()
        for (s, p) in zip(serial, parallel) {
            let scale = s.map(abs).max()!
            for (a, b) in zip(s, p) { XCTAssertEqual(a, b, accuracy: 1e-5 * scale) }
        }
        XCTAssertEqual(try products(), parallel)
    }

    /// Winograd's weight gradient is the same whether forward kept its input transform for
    /// backward or backward recomputed it: 16 samples of 64 channels on 32×32 keep 17 MB of it, 32
    /// samples would keep 34, past the 32 MB kept, so dW over 32 must be the sum over each half.
    func testWinogradWeightGradientKeptOrRecomputed() throws {
        let (n, c, h, w) = (32, 64, 32, 32), size = 64 * 32 * 32
        let x = parameter([n, c, h, w], seed: 80).scalars, probe = parameter([n, c, h, w], seed: 81).scalars
        let weight = parameter([c, c, 3, 3], seed: 82, scale: 0.05)
        func weightGradient(_ samples: Range<Int>) throws -> [Float] {
            weight.zeroGrad()
            let part = try Tensor(Array(x[(samples.lowerBound * size)..<(samples.upperBound * size)]), shape: [samples.count, c, h, w])
            let weights = try Tensor(Array(probe[(samples.lowerBound * size)..<(samples.upperBound * size)]), shape: [samples.count, c, h, w])
            try (Tensor.conv2d(part, weight: weight, padding: (1, 1)) * weights).sum().backward()
            return weight.grad!.scalars
        }
        let whole = try weightGradient(0..<n)
        let halves = zip(try weightGradient(0..<(n / 2)), try weightGradient((n / 2)..<n)).map { $0 + $1 }
        let scale = whole.map(abs).max()!
        for (a, b) in zip(whole, halves) { XCTAssertEqual(a, b, accuracy: 1e-4 * scale) }
    }

    func testShapeErrorsNameTheOpAndBothShapes() throws {
        let a = Tensor.zeros([2, 3]), b = Tensor.zeros([4, 5])
        assertError(try Tensor.matmul(a, b), contains: ["matmul", "[2, 3]", "[4, 5]", "inner dimensions 3 and 4"])
        assertError(try a + b, contains: ["add", "[2, 3]", "[4, 5]"])
        assertError(try a * Tensor.zeros([3, 3]), contains: ["multiply", "[2, 3]", "[3, 3]"])
        assertError(try Tensor.conv2d(Tensor.zeros([1, 3, 8, 8]), weight: Tensor.zeros([4, 2, 3, 3])),
                    contains: ["conv2d", "[1, 3, 8, 8]", "[4, 2, 3, 3]"])
        assertError(try Tensor.conv2d(Tensor.zeros([1, 2, 2, 2]), weight: Tensor.zeros([4, 2, 3, 3])),
                    contains: ["conv2d", "[1, 2, 2, 2]", "no output"])
        assertError(try Tensor.linear(a, weight: b, bias: nil), contains: ["linear", "[2, 3]", "[4, 5]"])
        assertError(try a.reshaped([4, 2]), contains: ["reshape", "[2, 3]", "[4, 2]"])
        assertError(try Tensor.concat([a, b], axis: 0), contains: ["concat", "[2, 3]", "[4, 5]"])
        assertError(try a.expanded(to: [3, 3]), contains: ["expand", "[2, 3]", "[3, 3]"])
        assertError(try Tensor.crossEntropy(a, labels: [0]), contains: ["cross_entropy", "[2, 3]", "[1]"])
        assertError(try Tensor.crossEntropy(a, labels: [0, 3]), contains: ["cross_entropy", "label 3"])
        assertError(try Tensor.batchNorm(Tensor.zeros([2, 3, 4, 4]), weight: Tensor.zeros([4]), bias: nil,
                                         runningMean: .zeros([3]), runningVar: .ones([3]), training: true),
                    contains: ["batch_norm", "[2, 3, 4, 4]", "[4]", "weight"])
        assertError(try Tensor.layerNorm(a, weight: Tensor.zeros([2]), bias: nil), contains: ["layer_norm", "[2, 3]", "[2]"])
        assertError(try a.maxPool2d(kernel: (2, 2)), contains: ["max_pool2d", "[2, 3]"])
        assertError(try a.softmax(axis: 2), contains: ["softmax", "axis 2"])
        assertError(try a.slice(axis: 1, 2..<5), contains: ["slice", "2..<5", "[2, 3]"])
        assertError(try a.backward(), contains: ["backward", "[2, 3]"])
    }

    private func assertError<T>(_ expression: @autoclosure () throws -> T, contains parts: [String],
                                file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            let text = String(describing: error)
            for part in parts {
                XCTAssertTrue(text.contains(part), "'\(text)' does not mention '\(part)'", file: file, line: line)
            }
        }
    }
}
