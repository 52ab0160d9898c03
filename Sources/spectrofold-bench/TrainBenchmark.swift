import ArgumentParser
import Foundation
import ModelNames
import NN
import Optim
import Random
import Tensor

/// `spectrofold-bench train`: samples per second of one model on random spectrograms, for
/// inference (evaluation mode, `GradMode` off: no graph, no gradient buffers) and for full
/// training steps (forward, backward, gradient clipping, AdamW, in training mode with dropout
/// 0.1), each the median of the steps timed after two warm-up steps: at least `steps`, and more
/// until `minSeconds` have passed (a few milliseconds' steps of the mini presets are otherwise
/// at the mercy of one busy moment of the machine). Inference runs first, so
/// the peak resident memory after it is inference's own and the final peak is training's.
struct TrainBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "Benchmark inference and training steps of one model.")

    @Option(help: "baseline_cnn, cnn_mlp, cnn_attention or ast.") var model: ModelName
    @Option(help: "mini or standard.") var preset = "mini"
    @Option(help: "Batch size.") var batch = 32
    @Option(help: "Spectrogram frames.") var frames = 100
    @Option(help: "Timed steps after two warm-up steps, for each of inference and training.") var steps = 10
    @Option(help: "Go on timing steps until this many seconds have passed, for each of inference and training.")
    var minSeconds = 2.0
    @Option(help: "Threads for sgemm and the parallel loops.") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Print one JSON object.") var json = false

    struct Report: Encodable {
        let model: ModelName, preset: String, batch: Int, frames: Int, threads: Int
        /// OpenBLAS's kernel (`openblas_get_corename`) and a warning when it is below the CPU's.
        let blas_core: String, blas_warning: String?
        let samples_per_s: Double, step_ms: Double
        let eval_samples_per_s: Double, eval_step_ms: Double
        /// The process's CPU time per step (all threads), the load-robust figure on one thread.
        let cpu_step_ms: Double, eval_cpu_step_ms: Double
        /// Peak resident set size in MiB after the inference steps, and after training.
        let eval_peak_rss_mb: Double, peak_rss_mb: Double
    }

    func run() throws {
        ComputeThreads.set(threads)
        let classes = 10, metadataWidth = 8
        let network = try ModelFactory.make(.init(name: model, preset: preset, classes: classes, frames: frames,
                                                  metadataWidth: metadataWidth, dropout: 0.1), seed: 0)
        var rng = RandomGenerator(seed: 1)
        let x = Tensor.randn([batch, 1, 128, frames], generator: &rng)
        let metadata = model == .cnnMLP ? Tensor.randn([batch, metadataWidth], generator: &rng) : nil
        let labels = (0..<batch).map { $0 % classes }

        network.setTraining(false)
        let eval = try GradMode.withDisabled {
            try Stopwatch.median(warmUp: 2, minimumRuns: steps, minimumSeconds: minSeconds) {
                _ = try network.logits(x, metadata: metadata)
            }
        }
        let evalPeak = PeakMemory.residentMegabytes()

        network.setTraining(true)
        let optimizer = try AdamW(parameters: network.namedParameters(), learningRate: 1e-3)
        let train = try Stopwatch.median(warmUp: 2, minimumRuns: steps, minimumSeconds: minSeconds) {
            let loss = try Tensor.crossEntropy(network.logits(x, metadata: metadata), labels: labels)
            try loss.backward()
            clipGradientNorm(network.parameters, maxNorm: 5)
            optimizer.step()
            optimizer.zeroGrad()
        }
        let report = Report(model: model, preset: preset, batch: batch, frames: frames, threads: threads,
                            blas_core: BLASKernel.coreName, blas_warning: BLASKernel.warning,
                            samples_per_s: Double(batch) / (train.wallMilliseconds / 1000), step_ms: train.wallMilliseconds,
                            eval_samples_per_s: Double(batch) / (eval.wallMilliseconds / 1000), eval_step_ms: eval.wallMilliseconds,
                            cpu_step_ms: train.cpuMilliseconds, eval_cpu_step_ms: eval.cpuMilliseconds,
                            eval_peak_rss_mb: evalPeak, peak_rss_mb: PeakMemory.residentMegabytes())
        if json {
            print(String(decoding: try JSONEncoder().encode(report), as: UTF8.self))
        } else {
            print(String(format: "%@ %@ batch %d, %d frames, %d threads, BLAS %@: train %.1f samples/s (%.1f ms/step, CPU %.1f ms), "
                         + "inference %.1f samples/s (%.1f ms/step, CPU %.1f ms), peak RSS %.0f MB (inference %.0f MB)",
                         model.rawValue, preset, batch, frames, threads, BLASKernel.summary, report.samples_per_s, train.wallMilliseconds,
                         train.cpuMilliseconds, report.eval_samples_per_s, eval.wallMilliseconds, eval.cpuMilliseconds,
                         report.peak_rss_mb, evalPeak))
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
