import Foundation
import Tracking
import Training

/// The Training → Tracking translations the local sweep and the coordinator share.
extension FoldScores {
    /// A finished job's final scores; nil for a failed job.
    public init?(_ outcome: JobOutcome) {
        let m = outcome.metrics
        guard outcome.status == .finished, let accuracy = m["accuracy"], let f1 = m["f1_weighted"], let precision = m["precision_weighted"],
              let recall = m["recall_weighted"], let loss = m["val_loss"] else { return nil }
        self.init(accuracy: accuracy, f1Weighted: f1, precisionWeighted: precision, recallWeighted: recall, valLoss: loss)
    }
}

extension ArtifactFile {
    /// A job's files under the artifact paths of its child run (those it wrote: a refit holds
    /// no predictions or confusion matrix).
    public static func of(_ artifacts: JobArtifacts) -> [ArtifactFile] {
        [ArtifactFile(localPath: artifacts.stateDict, artifactPath: "model/state_dict.safetensors"),
         ArtifactFile(localPath: artifacts.modelCard, artifactPath: "model/\(ModelCard.fileName)"),
         ArtifactFile(localPath: artifacts.confusionMatrixSVG, artifactPath: "confusion_matrix.svg"),
         ArtifactFile(localPath: artifacts.confusionMatrixJSON, artifactPath: "confusion_matrix.json"),
         ArtifactFile(localPath: artifacts.predictions, artifactPath: "predictions.csv"),
         ArtifactFile(localPath: artifacts.curvesSVG, artifactPath: "training_curves.svg"),
         ArtifactFile(localPath: artifacts.historyCSV, artifactPath: "history.csv")]
            .filter { FileManager.default.fileExists(atPath: $0.localPath) }
    }

    /// A sweep's report files under `comparison/`.
    public static func comparison(_ reportFiles: [String]) -> [ArtifactFile] {
        reportFiles.map { ArtifactFile(localPath: $0, artifactPath: "comparison/" + ($0 as NSString).lastPathComponent) }
    }
}

extension SweepSummary {
    /// The parent run's summary of `results`: every finished fold's scores and the comparison table.
    public init(_ results: SweepResults, reportFiles: [String]) {
        let folds = results.jobs.compactMap { job in FoldScores(job).map { FoldResult(model: job.model.rawValue, fold: job.fold, scores: $0) } }
        let intervals = results.models.keys.sorted().flatMap { model -> [(key: String, value: Double)] in
            guard let accuracy = results.models[model]?["accuracy"], let low = accuracy.ci95Low, let high = accuracy.ci95High else { return [] }
            return [("\(model)/accuracy_ci95_low", low), ("\(model)/accuracy_ci95_high", high)]
        }
        self.init(results: folds, intervals: intervals, comparisonMarkdown: String(results.markdownTable.prefix(8000)),
                  artifacts: ArtifactFile.comparison(reportFiles))
    }
}

extension EpochMetrics {
    /// One epoch as the trainer recorded it (`record.epoch` is 0-based; MLflow's step is 1-based).
    public init(_ r: EpochRecord) {
        self.init(epoch: r.epoch + 1, trainLoss: r.trainLoss, trainAccuracy: r.trainAccuracy, valLoss: r.valLoss, valAccuracy: r.valAccuracy,
                  valF1Weighted: r.valF1Weighted, valPrecisionWeighted: r.valPrecisionWeighted, valRecallWeighted: r.valRecallWeighted,
                  learningRate: r.learningRate)
    }

    /// One epoch as a worker reported it (0-based `epoch`, metrics by their MLflow names; the
    /// `val_*` ones only with a selection part); nil when a train metric is missing.
    init?(epoch: Int, metrics m: [String: Double]) {
        guard let trainLoss = m["train_loss"], let trainAccuracy = m["train_accuracy"], let lr = m["learning_rate"] else { return nil }
        self.init(epoch: epoch + 1, trainLoss: trainLoss, trainAccuracy: trainAccuracy, valLoss: m["val_loss"], valAccuracy: m["val_accuracy"],
                  valF1Weighted: m["val_f1_weighted"], valPrecisionWeighted: m["val_precision_weighted"], valRecallWeighted: m["val_recall_weighted"],
                  learningRate: lr)
    }
}
