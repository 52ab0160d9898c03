import ArgumentParser
import Foundation
import Tensor

/// `spectrofold-bench ops`: sgemm's rate, the copy bandwidth, and forward / forward+backward
/// times of the engine's ops on the shapes the four models train on (batch 32 of 128×100
/// spectrograms: ResNet-18 convolutions, AST-tiny linear layers and attention, the norms and
/// activations).
struct OpsBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ops", abstract: "Benchmark the tensor ops.")

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Option(help: "Threads for sgemm and the parallel loops.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Only the ops whose name contains this.")
    var filter: String?

    struct Entry: Encodable {
        let op: String
        let shape: [[Int]]
        let forward_ms: Double
        let forward_backward_ms: Double
        /// The process's CPU time of forward + backward (all threads).
        let forward_backward_cpu_ms: Double
        /// Floating-point operations of forward + backward per second, in 10⁹.
        let gflops: Double
        /// Bytes a memory-bound op reads and writes in forward + backward, per second, in 10⁹.
        let gbytes_per_s: Double?
    }

    struct Report: Encodable {
        let threads: Int
        /// OpenBLAS's kernel (`openblas_get_corename`).
        let blas_core: String
        let sgemm_gflops: Double
        let copy_gbytes_per_s: Double
        let ops: [Entry]
    }

    func run() throws {
        ComputeThreads.set(threads)
        let cases = try OpCases.all().filter { filter.map($0.name.contains) ?? true }
        let report = Report(threads: threads, blas_core: BLASKernel.coreName, sgemm_gflops: Self.sgemmGflops(),
                            copy_gbytes_per_s: Self.copyBandwidth(), ops: try cases.map(Self.measure))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("sgemm \(String(format: "%.1f", report.sgemm_gflops)) GFLOP/s, copy \(String(format: "%.1f", report.copy_gbytes_per_s)) GB/s, \(threads) threads, BLAS \(BLASKernel.summary)")
            for e in report.ops {
                let rate = e.gbytes_per_s.map { String(format: "%7.1f GB/s", $0) } ?? String(format: "%7.1f GFLOP/s", e.gflops)
                print(String(format: "%-36@ %9.3f ms fwd %9.3f ms fwd+bwd (CPU %9.3f ms) %@", e.op as NSString, e.forward_ms,
                             e.forward_backward_ms, e.forward_backward_cpu_ms, rate as NSString))
            }
        }
    }

    /// A large square matmul split over the loop threads: the ceiling for conv and linear layers.
    static func sgemmGflops(size n: Int = 2048) -> Double {
        let a = Tensor.ones([n, n]), b = Tensor.ones([n, n])
        let ms = Stopwatch.medianMilliseconds(warmUp: 1, minimumRuns: 5) { _ = try! GradMode.withDisabled { try Tensor.matmul(a, b) } }
        return 2 * pow(Double(n), 3) / (ms / 1000) / 1e9
    }

    /// Read + write bandwidth of a parallel copy of 64 MiB, the ceiling for elementwise ops.
    static func copyBandwidth() -> Double {
        let source = Tensor.ones([16 << 20])
        let ms = Stopwatch.medianMilliseconds { _ = source.copy() }
        return Double(2 * source.count * 4) / (ms / 1000) / 1e9
    }

    static func measure(_ c: OpCase) throws -> Entry {
        let forward = try Stopwatch.medianMilliseconds { _ = try c.forward() }
        let gradient = Tensor.ones(try c.forward().shape)
        let both = try Stopwatch.median {
            try c.forward().backward(gradient: gradient)
            c.clearGradients()
        }
        let ms = both.wallMilliseconds
        return Entry(op: c.name, shape: c.shapes, forward_ms: forward, forward_backward_ms: ms,
                     forward_backward_cpu_ms: both.cpuMilliseconds, gflops: c.flops / (ms / 1000) / 1e9,
                     gbytes_per_s: c.bytes.map { $0 / (ms / 1000) / 1e9 })
    }
}
