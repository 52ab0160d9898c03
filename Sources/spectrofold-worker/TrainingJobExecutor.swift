import Cluster
import Config
import Data
import Foundation
import ModelNames
import RunRecords
import Training

/// The worker's `JobExecutor`: trains a job with the `JobRunner`, or a refit with `Refit` (the
/// same code as a local sweep or `spectrofold refit`), in a scratch directory; reports each
/// epoch, and returns the outcome and the small artifact files as the summary (`JobReport`) and
/// the chosen state dict. A job that fails to train throws, which the worker reports as FAILED
/// with the error.
final class TrainingJobExecutor: JobExecutor, @unchecked Sendable {
    private let scratchDirectory: String
    private let lock = NSLock()
    /// The last pack read, by path (workers run many jobs on one dataset).
    private var cachedPack: (path: String, pack: FeaturePack)?
    /// The last checkpoint read, by digest, model and format (the jobs of a model share it).
    private var cachedStart: (key: String, start: PretrainedStart)?

    /// Jobs run in `scratchDirectory/<job>`, removed when the job ends.
    init(scratchDirectory: String) { self.scratchDirectory = scratchDirectory }

    /// Errors of the job's configuration or data (no retry can change them, training being
    /// deterministic) are thrown as `PermanentJobFailure`; others (I/O, cancellation) as they are.
    func execute(_ run: JobRun) throws -> JobOutput {
        let spec: JobSpec
        let runner: JobRunner
        do {
            spec = try JSONDecoder().decode(JobSpec.self, from: Data(run.spec))
            let config = try spec.loadConfiguration()
            let starts = try spec.checkpoint.map { [spec.job.model: try start(spec.job.model, from: $0, config: config, files: run.files)] } ?? [:]
            runner = try JobRunner(sweepId: spec.sweep, config: config, pack: try pack(at: run.datasetPath), folds: spec.folds, starts: starts)
        } catch let error as DecodingError {
            throw PermanentJobFailure("the job's spec cannot be read: \(error)")
        } catch let error as ConfigError {
            throw PermanentJobFailure("\(error)")
        } catch let error as TrainingError {
            throw PermanentJobFailure("\(error)")
        }
        let path = runner.path(spec.job)
        let directory = (scratchDirectory as NSString).appendingPathComponent(
            "\(spec.sweep)-\(path.replacingOccurrences(of: "/", with: "-"))-\(run.attempt.attempt)")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let (outcome, artifacts): (JobOutcome, JobArtifacts)
            if let origin = spec.refit {
                let refit = try Refit(model: spec.job.model, origin: origin, config: runner.config)
                let reporter = EpochReporter(epochs: refit.settings.epochs, examples: runner.pack.count, report: run.reportEpoch)
                (outcome, artifacts) = try refit.run(runner.training, directory: directory, observer: reporter, isCancelled: run.isCancelled)
            } else {
                let epochs = runner.config.models.settings(for: spec.job.model).trainer.epochs
                let split = try runner.split(spec.job)
                let reporter = EpochReporter(epochs: epochs, examples: split.fitRows.count, report: run.reportEpoch)
                (outcome, artifacts) = try runner.train(spec.job, split: split, directory: directory, observer: reporter,
                                                        isCancelled: run.isCancelled)
            }
            var files: [String: String] = [:]
            for name in JobReport.fileNames(artifacts, heldOut: spec.refit == nil) {
                files[name] = try String(contentsOfFile: (directory as NSString).appendingPathComponent(name), encoding: .utf8)
            }
            let summary = try JSONCoding.encoder().encode(JobReport(outcome: outcome, files: files))
            let stateDict = try Data(contentsOf: URL(fileURLWithPath: artifacts.stateDict))
            return JobOutput(summary: [UInt8](summary), stateDict: [UInt8](stateDict))
        } catch let error as TrainingError where !error.isCancellation {
            throw PermanentJobFailure("\(path): \(error)")
        } catch let error as DataError {
            throw PermanentJobFailure("\(path): \(error)")
        }
    }

    /// `model`'s start from the checkpoint `reference` names, fetched into `files`; a file that
    /// cannot start the model is a `TrainingError` naming the model's `init` key.
    private func start(_ model: ModelName, from reference: CheckpointReference, config: SweepConfig, files: [String: String]) throws -> PretrainedStart {
        let format = config.models.settings(for: model).initFormat
        let key = "\(reference.digest) \(model) \(format)"
        lock.lock()
        defer { lock.unlock() }
        if let cachedStart, cachedStart.key == key { return cachedStart.start }
        guard let path = files[reference.digest] else {
            throw TrainingError.configuration("models.\(model).init", "the worker was not given checkpoint \(reference.name) (\(reference.digest))")
        }
        do {
            let start = try PretrainedStart(reference: reference, weightsAt: path, format: format, model: model)
            cachedStart = (key, start)
            return start
        } catch let error as TrainingError {
            throw error
        } catch {
            throw TrainingError.configuration("models.\(model).init", "\(reference.name): \(error)")
        }
    }

    private func pack(at path: String) throws -> FeaturePack {
        lock.lock()
        defer { lock.unlock() }
        if let cachedPack, cachedPack.path == path { return cachedPack.pack }
        let pack = try FeaturePack.read(contentsOf: path)
        cachedPack = (path, pack)
        return pack
    }
}

/// Turns the trainer's epochs into the worker's PROGRESS reports (epoch 0-based, metrics by
/// their MLflow names, throughput in fit examples per second).
private final class EpochReporter: TrainerObserver {
    let epochs: Int
    let examples: Int
    let report: @Sendable (EpochReport) -> Void

    init(epochs: Int, examples: Int, report: @escaping @Sendable (EpochReport) -> Void) {
        (self.epochs, self.examples, self.report) = (epochs, examples, report)
    }

    func batchFinished(epoch: Int, batch: Int, of batches: Int, loss: Double) {}

    func epochFinished(_ r: EpochRecord) {
        report(EpochReport(epochs: epochs, samplesPerSecond: r.seconds > 0 ? Double(examples) / r.seconds : 0, record: r))
    }
}
