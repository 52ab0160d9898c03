import Foundation
import RunRecords

/// The values a sweep hands to `SweepTracker`: plain data the local sweep and the coordinator
/// both produce. The tracker turns them into MLflow runs (layout: README.md, "Tracking").

/// A file to upload into a run's artifacts.
public struct ArtifactFile: Equatable, Sendable {
    public var localPath: String
    /// Relative path inside the run's artifacts, e.g. "model/state_dict.safetensors".
    public var artifactPath: String

    public init(localPath: String, artifactPath: String) {
        self.localPath = localPath
        self.artifactPath = artifactPath
    }
}

/// The data set a sweep trains on, recorded with MLflow's log-inputs.
public struct DatasetReference: Equatable, Sendable {
    public var name: String
    /// The feature pack's content hash. MLflow keeps at most 36 characters as the digest; the
    /// whole hash is also stored in the dataset's source.
    public var digest: String
    /// Where it lives: a path or URI.
    public var source: String

    public init(name: String, digest: String, source: String) {
        self.name = name
        self.digest = digest
        self.source = source
    }
}

/// A sweep about to start: becomes the parent run.
public struct SweepDescription: Sendable {
    public var sweepId: String
    /// The parent run's name.
    public var name: String
    /// What started it (e.g. "spectrofold run configs/demo.yaml"): tag `mlflow.source.name`.
    public var source: String?
    /// Tag `mlflow.source.git.commit`, where known.
    public var gitCommit: String?
    /// The resolved configuration flattened to `dotted.key` → value (`SweepConfig.flattened`).
    public var params: [(key: String, value: String)]
    /// E.g. the resolved configuration as YAML, artifact path "config/sweep.yaml".
    public var artifacts: [ArtifactFile]
    public var dataset: DatasetReference?

    public init(sweepId: String, name: String, source: String? = nil, gitCommit: String? = nil,
                params: [(key: String, value: String)], artifacts: [ArtifactFile] = [], dataset: DatasetReference? = nil) {
        self.sweepId = sweepId
        self.name = name
        self.source = source
        self.gitCommit = gitCommit
        self.params = params
        self.artifacts = artifacts
        self.dataset = dataset
    }
}

/// One attempt at one model × fold job: each attempt is a child run of its own.
public struct JobIdentity: Hashable, Sendable {
    public var sweepId: String
    public var jobId: String
    /// 1 for the first try, + 1 for each retry.
    public var attempt: Int

    public init(sweepId: String, jobId: String, attempt: Int) {
        self.sweepId = sweepId
        self.jobId = jobId
        self.attempt = attempt
    }
}

/// A job attempt about to train: becomes a child run named `name` (`<model>/fold-<k>`, or
/// `<model>/rep-<r>/fold-<k>` in a sweep of several repeats, or `<model>/refit`).
public struct JobStart: Sendable {
    public var job: JobIdentity
    public var name: String
    public var model: String
    /// 0-based; 0 in a sweep of one repeat; nil for a refit (tag left out).
    public var `repeat`: Int?
    /// nil for a refit (tag left out).
    public var fold: Int?
    /// Who trains it: "local" or the worker's name.
    public var worker: String
    /// Every hyperparameter; must include `requiredParams`.
    public var params: [(key: String, value: String)]
    public var dataset: DatasetReference?

    public static let requiredParams = ["learning_rate", "optimizer", "batch_size", "dropout", "model_version"]

    public init(job: JobIdentity, name: String, model: String, repeat: Int?, fold: Int?, worker: String,
                params: [(key: String, value: String)], dataset: DatasetReference? = nil) {
        self.job = job
        self.name = name
        self.model = model
        self.repeat = `repeat`
        self.fold = fold
        self.worker = worker
        self.params = params
        self.dataset = dataset
    }
}

/// The metrics of one finished epoch, logged with step = `epoch` and timestamp = `measuredAt`:
/// the same value recorded twice (a progress message a worker sent again) is one point in MLflow.
public struct EpochMetrics: Equatable, Sendable {
    /// The epoch as the trainer recorded it (0-based `epoch`; its metrics are `record.metrics`).
    public var record: EpochRecord
    /// When the epoch ended (milliseconds are kept).
    public var measuredAt: Date

    public init(_ record: EpochRecord, measuredAt: Date = Date()) {
        self.record = record
        self.measuredAt = measuredAt
    }

    /// 1-based epoch number, MLflow's step.
    public var epoch: Int { record.epoch + 1 }
}

/// A job's final scores on its held-out fold, scored once (with the state dict the job keeps).
public struct FoldScores: Equatable, Sendable {
    public var accuracy: Double
    public var f1Weighted: Double
    public var precisionWeighted: Double
    public var recallWeighted: Double
    public var valLoss: Double

    public init(accuracy: Double, f1Weighted: Double, precisionWeighted: Double, recallWeighted: Double, valLoss: Double) {
        self.accuracy = accuracy
        self.f1Weighted = f1Weighted
        self.precisionWeighted = precisionWeighted
        self.recallWeighted = recallWeighted
        self.valLoss = valLoss
    }

    /// Metric name → value; a child run logs them as `final/<name>`, the parent aggregates them
    /// as `<model>/<name>_mean` and `_std`.
    public var named: [(name: String, value: Double)] {
        [(HeldOutScore.accuracy, accuracy), (.f1Weighted, f1Weighted), (.precisionWeighted, precisionWeighted),
         (.recallWeighted, recallWeighted), (.valLoss, valLoss)].map { ($0.rawValue, $1) }
    }
}

/// A finished job attempt's outcome.
public struct JobResult: Sendable {
    public var scores: FoldScores
    /// `model/state_dict.safetensors`, the confusion matrix (image and JSON), `predictions.csv`,
    /// the training curves.
    public var artifacts: [ArtifactFile]

    public init(scores: FoldScores, artifacts: [ArtifactFile]) {
        self.scores = scores
        self.artifacts = artifacts
    }
}

/// One job's held-out scores for the parent's aggregates.
public struct FoldResult: Equatable, Sendable {
    public var model: String
    public var fold: Int
    public var scores: FoldScores

    public init(model: String, fold: Int, scores: FoldScores) {
        self.model = model
        self.fold = fold
        self.scores = scores
    }
}

/// A finished sweep's comparison: goes onto the parent run.
public struct SweepSummary: Sendable {
    /// The final scores of every finished job (one per model × repeat × fold).
    public var results: [FoldResult]
    /// Further parent metrics computed over the jobs (`<model>/accuracy_ci95_low` and `_high`).
    public var intervals: [(key: String, value: Double)] = []
    /// The comparison table in Markdown: the parent's `mlflow.note.content` (at most 8000 characters).
    public var comparisonMarkdown: String
    /// Comparison table (CSV and Markdown), chart with error bars, summed confusion matrices.
    public var artifacts: [ArtifactFile]

    public init(results: [FoldResult], intervals: [(key: String, value: Double)] = [], comparisonMarkdown: String, artifacts: [ArtifactFile]) {
        self.results = results
        self.intervals = intervals
        self.comparisonMarkdown = comparisonMarkdown
        self.artifacts = artifacts
    }
}
