import Foundation
import ModelNames
import NN
import Random
import Tensor
import XCTest

/// Training steps of every model give the same loss and gradients on one thread and on two
/// (chunked loops, per-thread sgemm in convolutions and batched matmuls).
final class ThreadingParityTests: XCTestCase {
    func testOneAndTwoThreadsAgree() throws {
        defer { ComputeThreads.set(ProcessInfo.processInfo.activeProcessorCount) }
        var rng = RandomGenerator(seed: 5)
        let x = Tensor.randn([6, 1, 128, 48], generator: &rng), metadata = Tensor.randn([6, 3], generator: &rng)
        for name in ModelName.allCases {
            func step(threads: Int) throws -> (Float, [Float]) {
                ComputeThreads.set(threads)
                let model = try ModelFactory.make(.init(name: name, preset: "mini", classes: 5, frames: 48, metadataWidth: 3), seed: 9)
                let loss = try Tensor.crossEntropy(model.logits(x, metadata: name == .cnnMLP ? metadata : nil), labels: [0, 1, 2, 3, 4, 0])
                try loss.backward()
                return (loss.item, model.parameters.flatMap { $0.grad?.scalars ?? [] })
            }
            let (serialLoss, serialGrads) = try step(threads: 1), (parallelLoss, parallelGrads) = try step(threads: 2)
            XCTAssertEqual(serialLoss, parallelLoss, accuracy: 1e-5, "\(name)")
            XCTAssertEqual(serialGrads.count, parallelGrads.count, "\(name)")
            let scale = serialGrads.map(abs).max() ?? 1
            let worst = zip(serialGrads, parallelGrads).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, 1e-4 * scale, "\(name): gradients differ by \(worst) (largest \(scale))")
        }
    }
}
