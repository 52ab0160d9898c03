import Config
import Data
import Foundation
import ModelNames
import NN

/// Trains a sweep's chosen model once more on all of its data, with the sweep's settings, into
/// a job folder like any other (`<sweep>/<model>/refit/`, usable by `predict`). With
/// `refit.selection: last` (the default) no example is set aside: the refit trains for the
/// median over the model's jobs of the epochs their chosen weights had trained (`best_epoch + 1`;
/// between two middle values the higher), with a plateau scheduler off, as it has nothing to
/// follow. With `inner` a selection part split off all the data chooses the epoch, as in a job.
/// Its card's scores are the model's in the comparison: mean and std over its held-out folds.
public struct Refit {
    public static func path(_ model: ModelName) -> String { "\(model)/refit" }

    public let model: ModelName
    /// Epochs the sweep's jobs of `model` trained up to their chosen weights, one per job.
    public let chosenEpochs: [Int]
    public let selection: SelectionMode
    /// The trainer settings of the refit: the model's, with the epoch count and scheduler as said.
    public let settings: TrainerConfig
    /// What differs from the jobs' settings and why, for the user.
    public let notes: [String]
    public let scores: ModelCard.HeldOutScores

    /// What a refit takes from the sweep's finished jobs of its model: the epochs they trained up
    /// to their chosen weights and their held-out scores (mean and std over the jobs). How a
    /// coordinator hands a refit to a worker, which sees no other job (`JobSpec.refit`).
    public struct Origin: Codable, Equatable, Sendable {
        /// `best_epoch + 1` of each finished job, in the jobs' order.
        public var chosenEpochs: [Int]
        public var scores: ModelCard.HeldOutScores

        /// From `sweep`'s results.json; an error naming it when it has no finished job of `model`.
        public init(model: ModelName, sweep: SweepFolder) throws {
            let jobs = sweep.jobs.filter { $0.model == model }
            guard !jobs.isEmpty, let figures = sweep.models[model.rawValue] else {
                throw ModelFolderError((sweep.directory as NSString).appendingPathComponent("results.json"),
                                       "the sweep has no finished job of model '\(model)' to refit")
            }
            self.init(chosenEpochs: jobs.map { $0.bestEpoch + 1 }, mean: figures.mapValues(\.mean), std: figures.mapValues(\.std))
        }

        /// From the sweep's job `outcomes` (results.json's figures, `SweepResults`); an error when none of `model`'s finished.
        public init(model: ModelName, results: SweepResults) throws {
            let jobs = results.jobs.filter { $0.model == model && $0.status == .finished && !$0.key.isRefit }
            guard !jobs.isEmpty, let figures = results.models[model.rawValue] else {
                throw TrainingError.configuration("refit", "sweep '\(results.name)' has no finished job of model '\(model)' to refit")
            }
            self.init(chosenEpochs: jobs.map { ($0.bestEpoch ?? 0) + 1 }, mean: figures.mapValues(\.mean), std: figures.mapValues(\.std))
        }

        /// One finished job per chosen epoch; the model's held-out `mean` and `std` per metric.
        private init(chosenEpochs: [Int], mean: [String: Double], std: [String: Double]) {
            self.chosenEpochs = chosenEpochs
            scores = ModelCard.HeldOutScores(scope: "cross_validation", jobs: chosenEpochs.count, mean: mean, std: std)
        }
    }

    /// The refit of `model` of the sweep that `origin` comes from, under that sweep's `config`.
    public init(model: ModelName, origin: Origin, config: SweepConfig) throws {
        let modelSettings = config.models.settings(for: model)
        guard config.models.run.contains(model) else {
            throw TrainingError.configuration("models.run", "the sweep did not compare model '\(model)'")
        }
        self.model = model
        chosenEpochs = origin.chosenEpochs
        selection = config.refit.selection
        var t = modelSettings.trainer
        var notes: [String] = []
        if selection == .last {
            t.selection = .last
            t.epochs = Self.median(chosenEpochs)
            notes.append("\(t.epochs) epochs: the median of the epochs the \(chosenEpochs.count) jobs chose (\(chosenEpochs.map(String.init).joined(separator: ", ")))")
            if t.scheduler.name == .plateau {
                t.scheduler.name = .none
                notes.append("plateau scheduler off: without a selection part it has nothing to follow (set refit.selection=inner to keep it)")
            }
            if t.scheduler.name == .cosine && t.scheduler.warmupEpochs >= t.epochs {
                t.scheduler.warmupEpochs = t.epochs - 1
                notes.append("cosine warm-up cut to \(t.epochs - 1) epochs to leave one to anneal")
            }
            if t.freezeEpochs >= t.epochs {
                t.freezeEpochs = t.epochs - 1
                notes.append("frozen body cut to \(t.epochs - 1) epochs to leave one to fine-tune it")
            }
        }
        settings = t
        self.notes = notes
        scores = origin.scores
    }

    /// The median of `values`; between two middle values the higher one.
    static func median(_ values: [Int]) -> Int {
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }

    /// The MLflow params of the refit's child run: the model's hyperparameters under the refit's settings.
    public func params(_ training: ModelTraining) -> [String: String] {
        training.params(model, settings: settings).merging(refitParams) { $1 }
    }

    /// The same params from those of one of the model's jobs (`SweepPlan.PlannedJob.params`), for
    /// a coordinator, which has the plan but not the pack: the job's place in the folds dropped,
    /// the trainer's keys taken from the refit's settings.
    public func params(jobParams: [String: String]) -> [String: String] {
        jobParams.filter { RunParams.Fold(rawValue: $0.key) == nil }
            .merging(ModelTraining.trainerParams(settings, pretrained: jobParams["init"] != nil)) { $1 }
            .merging(refitParams) { $1 }
    }

    private var refitParams: [String: String] {
        ["refit_selection": selection.rawValue, "refit_chosen_epochs": chosenEpochs.map(String.init).joined(separator: ",")]
    }

    /// Trains on every row of `training.pack` and writes the folder into `directory`; the outcome
    /// has no held-out scores (its card has the comparison's).
    public func run(_ training: ModelTraining, directory: String, observer: TrainerObserver?,
                    isCancelled: @escaping () -> Bool = { false }) throws -> (outcome: JobOutcome, artifacts: JobArtifacts) {
        let started = Date()
        let split = try JobSplit.whole(pack: training.pack, selection: selection, fraction: settings.selectionFraction,
                                       seed: UInt64(truncatingIfNeeded: training.config.seed), statistics: training.statistics(model))
        let seed = UInt64(truncatingIfNeeded: training.config.seed) &* 1_000_003 &+ 0x5265_6669_74 &+ model.seedOffset
        let (trained, _, artifacts) = try training.fitAndWrite(model, split: split, settings: settings, seed: seed, path: Self.path(model),
                                                               directory: directory, observer: observer, isCancelled: isCancelled,
                                                               refitScores: scores)
        var outcome = JobOutcome.failed(.refit(model), error: "", modelVersion: model.version, params: params(training),
                                        examples: JobExamples(split))
        outcome.status = .finished
        outcome.error = nil
        outcome.bestEpoch = trained.chosenEpoch
        outcome.epochs = trained.history
        outcome.seconds = Date().timeIntervalSince(started)
        return (outcome, artifacts)
    }
}
