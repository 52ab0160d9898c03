import Audio
import Config
import Data
import Foundation
import ModelNames
import NN
import Pretrained
import Tensor

/// Trains one model on one fold of one repeat of a feature pack, the same way wherever it runs:
/// the local sweep calls it for every job in turn, a cluster worker for each job it is leased.
/// Each job splits its fold's training part into a fit and a selection part (`JobSplit`),
/// trains on the first, lets the second choose the weights, and scores the held-out fold once
/// at the end. The seed of each job derives from the sweep's seed, the repeat, the fold and
/// the model, so a job retrained anywhere starts from the same weights and sees the same batches.
public struct JobRunner {
    /// How every job builds, trains, scores and writes its model.
    public let training: ModelTraining
    /// The fold assignment of each repeat.
    public let folds: [FoldAssignment]

    public var sweepId: String { training.sweepId }
    public var config: SweepConfig { training.config }
    public var pack: FeaturePack { training.pack }
    /// Each model's pretrained start.
    public var starts: [ModelName: PretrainedStart] { training.starts }

    /// `starts` holds the pretrained start of each model that has one (`PretrainedStart.starts(of:)`
    /// where the files are; a cluster worker's from the checkpoints it fetched).
    public init(sweepId: String, config: SweepConfig, pack: FeaturePack, folds: [FoldAssignment], starts: [ModelName: PretrainedStart] = [:]) throws {
        precondition(!folds.isEmpty && folds.allSatisfy { $0.k == folds[0].k }, "JobRunner: one fold assignment per repeat, all with the same k")
        training = try ModelTraining(sweepId: sweepId, config: config, pack: pack, starts: starts)
        self.folds = folds
    }

    /// Every job of the sweep: model-major, then repeat, then fold.
    public var jobs: [JobKey] { JobKey.all(models: config.models.run, repeats: folds.count, k: folds[0].k) }

    /// The job's folder, child run name and job id tail (`JobKey.path`).
    public func path(_ job: JobKey) -> String { job.path(repeats: folds.count) }

    /// The job's fit, selection and held-out rows, with the model's selection settings.
    public func split(_ job: JobKey) throws -> JobSplit {
        let t = config.models.settings(for: job.model).trainer
        let statistics = training.statistics(job.model)
        return try JobSplit(pack: pack, folds: folds[job.repeat], repeat: job.repeat, fold: job.fold,
                            selection: t.selection, fraction: t.selectionFraction,
                            seed: UInt64(truncatingIfNeeded: config.seed), statistics: statistics)
    }

    /// Makes every job's split and returns its sizes: data that no job could train with (a
    /// class missing from a selection part, an empty part) is an error naming the model, repeat
    /// and fold before any job starts.
    @discardableResult
    public func checkSplits() throws -> [JobKey: JobExamples] {
        var examples: [JobKey: JobExamples] = [:]
        for job in jobs {
            do { examples[job] = JobExamples(try split(job)) } catch { throw TrainingError.configuration("models.\(job.model)", "\(error)") }
        }
        return examples
    }

    /// Starts each model with a checkpoint once: a checkpoint that does not fit its model is an
    /// error naming the model before any job starts.
    public func checkStarts() throws { try training.checkStarts() }

    /// How the selection and held-out clips are scored (`evaluation.windows`, `hop_frames`).
    public var scoringWindows: ClipWindows { training.scoringWindows }

    /// The hyperparameters a job logs (MLflow params of its child run): the model's
    /// (`ModelTraining.params`) and the job's place in the folds.
    public func params(_ job: JobKey) -> [String: String] {
        training.params(job.model, settings: config.models.settings(for: job.model).trainer)
            .merging(RunParams.Fold.values(job, assignment: folds[job.repeat], repeats: folds.count)) { $1 }
    }

    /// Trains `job` and writes its files into `directory`. A job that cannot train (a part
    /// without examples, NaN loss, cancelled, ...) comes back `failed` with its error and no
    /// artifacts. `isCancelled` is polled after every batch.
    public func run(_ job: JobKey, directory: String, observer: TrainerObserver?,
                    isCancelled: @escaping () -> Bool = { false }) -> (outcome: JobOutcome, artifacts: JobArtifacts?) {
        let started = Date()
        do {
            return try train(job, directory: directory, observer: observer, isCancelled: isCancelled)
        } catch {
            var outcome = JobOutcome.failed(job, error: "\(error)", modelVersion: job.model.version, params: params(job),
                                            examples: (try? JobExamples(split(job))) ?? JobExamples(fit: 0, selection: 0, test: 0))
            outcome.seconds = Date().timeIntervalSince(started)
            return (outcome, nil)
        }
    }

    /// `run`, throwing what stopped the job instead of returning it as a failed outcome; `split`
    /// is the job's split when the caller has made it already.
    public func train(_ job: JobKey, split: JobSplit? = nil, directory: String, observer: TrainerObserver?,
                      isCancelled: @escaping () -> Bool = { false }) throws -> (outcome: JobOutcome, artifacts: JobArtifacts) {
        // The next job may have other shapes: its buffers should not sit beside this one's.
        defer { BufferPool.trim() }
        let started = Date()
        let split = try split ?? self.split(job)
        let (trained, evaluation, artifacts) = try training.fitAndWrite(job.model, split: split,
                                                                        settings: config.models.settings(for: job.model).trainer,
                                                                        seed: seed(job), path: path(job), directory: directory,
                                                                        observer: observer, isCancelled: isCancelled)
        let test = evaluation!
        let m = test.metrics
        var outcome = JobOutcome.failed(job, error: "", modelVersion: job.model.version, params: params(job),
                                        examples: JobExamples(split))
        outcome.status = .finished
        outcome.error = nil
        outcome.metrics = ModelTraining.scores(test)
        outcome.bestEpoch = trained.chosenEpoch
        outcome.epochs = trained.history
        outcome.confusionMatrix = m.confusionMatrix
        outcome.perClass = m.perClass
        outcome.seconds = Date().timeIntervalSince(started)
        return (outcome, artifacts)
    }

    /// A job's seed: from the sweep's seed, the fold, the repeat and the model.
    private func seed(_ job: JobKey) -> UInt64 {
        UInt64(truncatingIfNeeded: config.seed) &* 1_000_003 &+ UInt64(job.fold) &* 7919 &+ UInt64(job.repeat) &* 104_729 &+ job.model.seedOffset
    }
}
