import Config
import Data
import Foundation
import NN

/// Trains a sweep's chosen model once more on all of its data, with the sweep's settings, into
/// a job folder like any other (`<sweep>/<model>/refit/`, usable by `predict`). With
/// `refit.selection: last` (the default) no example is set aside: the refit trains for the
/// median over the model's jobs of the epochs their chosen weights had trained (`best_epoch + 1`;
/// between two middle values the higher), with a plateau scheduler off, as it has nothing to
/// follow. With `inner` a selection part split off all the data chooses the epoch, as in a job.
/// Its card's scores are the model's in the comparison: mean and std over its held-out folds.
public struct Refit {
    public static func path(_ model: String) -> String { "\(model)/refit" }

    public let model: String
    /// Epochs the sweep's jobs of `model` trained up to their chosen weights, one per job.
    public let chosenEpochs: [Int]
    public let selection: SelectionMode
    /// The trainer settings of the refit: the model's, with the epoch count and scheduler as said.
    public let settings: TrainerConfig
    /// What differs from the jobs' settings and why, for the user.
    public let notes: [String]
    public let scores: ModelCard.HeldOutScores

    public init(model: String, sweep: SweepFolder, config: SweepConfig) throws {
        let jobs = sweep.jobs.filter { $0.model == model }
        guard config.models.run.contains(model), !jobs.isEmpty, let figures = sweep.models[model] else {
            throw ModelFolderError((sweep.directory as NSString).appendingPathComponent("results.json"),
                                   "the sweep has no finished job of model '\(model)' to refit")
        }
        self.model = model
        chosenEpochs = jobs.map { $0.bestEpoch + 1 }
        selection = SelectionMode(rawValue: config.refit.selection) ?? .last
        var t = config.models.settings(for: model)!.trainer
        var notes: [String] = []
        if selection == .last {
            t.selection = SelectionMode.last.rawValue
            t.epochs = Self.median(chosenEpochs)
            notes.append("\(t.epochs) epochs: the median of the epochs the \(jobs.count) jobs chose (\(chosenEpochs.map(String.init).joined(separator: ", ")))")
            if t.scheduler.name == "plateau" {
                t.scheduler.name = "none"
                notes.append("plateau scheduler off: without a selection part it has nothing to follow (set refit.selection=inner to keep it)")
            }
            if t.scheduler.name == "cosine" && t.scheduler.warmupEpochs >= t.epochs {
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
        scores = ModelCard.HeldOutScores(scope: "cross_validation", jobs: jobs.count, mean: figures.mapValues(\.mean), std: figures.mapValues(\.std))
    }

    /// The median of `values`; between two middle values the higher one.
    static func median(_ values: [Int]) -> Int {
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }

    /// The MLflow params of the refit's child run: the model's hyperparameters under the refit's settings.
    public func params(_ training: ModelTraining) -> [String: String] {
        training.params(model, settings: settings).merging([
            "refit_selection": selection.rawValue, "refit_chosen_epochs": chosenEpochs.map(String.init).joined(separator: ","),
        ]) { $1 }
    }

    /// Trains on every row of `training.pack` and writes the folder into `directory`.
    public func run(_ training: ModelTraining, directory: String, observer: TrainerObserver?) throws -> (outcome: TrainingOutcome, artifacts: JobArtifacts) {
        let split = try JobSplit.whole(pack: training.pack, selection: selection, fraction: settings.selectionFraction,
                                       seed: UInt64(truncatingIfNeeded: training.config.seed), statistics: training.statistics(model))
        let modelIndex = UInt64(ModelFactory.names.firstIndex(of: model)!)
        let seed = UInt64(truncatingIfNeeded: training.config.seed) &* 1_000_003 &+ 0x5265_6669_74 &+ modelIndex
        let (outcome, _, artifacts) = try training.fitAndWrite(model, split: split, settings: settings, seed: seed, path: Self.path(model),
                                                               directory: directory, observer: observer, isCancelled: { false }, refitScores: scores)
        return (outcome, artifacts)
    }
}
