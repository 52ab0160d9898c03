import ArgumentParser
import Foundation
import NN
import Optim
import Tensor

/// `spectrofold-bench train`: samples per second of full training steps (forward, backward,
/// gradient clipping, AdamW) of one model on random spectrograms, in training mode (dropout
/// 0.1), after two warm-up steps.
struct TrainBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "Benchmark training steps of one model.")

    @Option(help: "baseline_cnn, cnn_mlp, cnn_attention or ast.") var model: String
    @Option(help: "mini or standard.") var preset = "mini"
    @Option(help: "Batch size.") var batch = 32
    @Option(help: "Spectrogram frames.") var frames = 100
    @Option(help: "Timed steps after two warm-up steps.") var steps = 10
    @Option(help: "Threads for sgemm and the parallel loops.") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Print one JSON object.") var json = false

    struct Report: Encodable {
        let model: String, preset: String, batch: Int
        let samples_per_s: Double, step_ms: Double, peak_rss_mb: Double
    }

    func run() throws {
        ComputeThreads.set(threads)
        let classes = 10, metadataWidth = 8
        let network = try ModelFactory.make(.init(name: model, preset: preset, classes: classes, frames: frames,
                                                  metadataWidth: metadataWidth, dropout: 0.1), seed: 0)
        var rng = RandomGenerator(seed: 1)
        let x = Tensor.randn([batch, 1, 128, frames], generator: &rng)
        let metadata = model == "cnn_mlp" ? Tensor.randn([batch, metadataWidth], generator: &rng) : nil
        let labels = (0..<batch).map { $0 % classes }
        let optimizer = try AdamW(parameters: network.namedParameters(), learningRate: 1e-3)
        func step() throws {
            let loss = try Tensor.crossEntropy(network.logits(x, metadata: metadata), labels: labels)
            try loss.backward()
            clipGradientNorm(network.parameters, maxNorm: 5)
            optimizer.step()
            optimizer.zeroGrad()
        }
        let ms = try Stopwatch.medianMilliseconds(warmUp: 2, minimumRuns: steps, minimumSeconds: 0, step)
        let report = Report(model: model, preset: preset, batch: batch, samples_per_s: Double(batch) / (ms / 1000),
                            step_ms: ms, peak_rss_mb: PeakMemory.residentMegabytes())
        if json {
            print(String(decoding: try JSONEncoder().encode(report), as: UTF8.self))
        } else {
            print(String(format: "%@ %@ batch %d: %.1f samples/s, %.1f ms/step, peak RSS %.0f MB",
                         model, preset, batch, report.samples_per_s, ms, report.peak_rss_mb))
        }
    }
}

/// The process's peak resident set size.
enum PeakMemory {
    static func residentMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024  // Linux reports kilobytes
    }
}
