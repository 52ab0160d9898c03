import Foundation
import RunRecords
import Tracking
import Training

/// The Training → Tracking translations the local sweep and the coordinator share.
extension FoldScores {
    /// A finished job's final scores; nil for a failed job.
    public init?(_ outcome: JobOutcome) {
        let m = outcome.metrics
        guard outcome.status == .finished, let accuracy = m[.accuracy], let f1 = m[.f1Weighted], let precision = m[.precisionWeighted],
              let recall = m[.recallWeighted], let loss = m[.valLoss] else { return nil }
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
            guard let accuracy = results.models[model]?[.accuracy], let low = accuracy.ci95Low, let high = accuracy.ci95High else { return [] }
            let name = "\(model)/\(HeldOutScore.accuracy.rawValue)"
            return [("\(name)_ci95_low", low), ("\(name)_ci95_high", high)]
        }
        self.init(results: folds, intervals: intervals, comparisonMarkdown: String(results.markdownTable.prefix(8000)),
                  artifacts: ArtifactFile.comparison(reportFiles))
    }
}
