import Config
import Data
import Foundation
import ModelNames

/// A sweep as `spectrofold submit` hands it to a coordinator: everything a worker needs besides
/// the feature pack (the resolved configuration and the fold of every pack row, fixed where the
/// data is, so every worker trains on the same split) and everything the coordinator reports
/// with (the classes, each job's params). Travels as the JSON payload of SUBMIT.
public struct SweepPlan: Codable, Equatable, Sendable {
    /// The sweep's id, unique on the coordinator: "<name>-<8 hex digits>".
    public var id: String
    public var name: String
    /// The MLflow experiment the sweep is recorded in.
    public var experiment: String
    /// The resolved configuration (YAML), as `config.yaml` of a local sweep.
    public var configuration: String
    /// The SHA-256 of the feature pack's bytes.
    public var dataset: String
    /// The dataset's name and source, for MLflow's dataset inputs.
    public var datasetName: String
    public var datasetSource: String
    public var classes: [String]
    /// The pack's files, classes and skipped files, for the report (nil in plans from before it).
    public var datasetSummary: DatasetSummary?
    /// The fold assignment of each repeat.
    public var folds: [FoldAssignment]
    /// Model × repeat × fold, model-major, with the params each child run logs.
    public var jobs: [PlannedJob]
    /// The checkpoint each model with an `init` starts from, by model name; workers fetch it by digest.
    public var checkpoints: [String: CheckpointReference]

    public struct PlannedJob: Codable, Equatable, Sendable {
        public var job: JobKey
        /// `JobKey.path`: the job's folder, child run name and job id tail.
        public var path: String
        public var params: [String: String]
        /// The sizes of the job's fit, selection and held-out parts.
        public var examples: JobExamples
        public var model: ModelName { job.model }
    }

    /// The plan of `config` on `pack` (whose file hashes to `dataset`) with `folds` (one per
    /// repeat) and the models' pretrained `starts`. Every job's split is made and every start
    /// tried on its model first: data no job could train with, or a checkpoint that does not fit
    /// its model, is an error here, before anything is submitted.
    public init(id: String, experiment: String, config: SweepConfig, pack: FeaturePack, dataset: String, datasetSource: String,
                folds: [FoldAssignment], starts: [ModelName: PretrainedStart] = [:]) throws {
        let runner = try JobRunner(sweepId: id, config: config, pack: pack, folds: folds, starts: starts)
        let examples = try runner.checkSplits()
        try runner.checkStarts()
        self.id = id
        name = config.name
        self.experiment = experiment
        configuration = config.resolvedYAML
        self.dataset = dataset
        datasetName = (datasetSource as NSString).lastPathComponent
        self.datasetSource = datasetSource
        classes = pack.classes
        datasetSummary = DatasetSummary(pack: pack, source: datasetSource, digest: dataset)
        self.folds = folds
        jobs = runner.jobs.map { PlannedJob(job: $0, path: runner.path($0), params: runner.params($0), examples: examples[$0]!) }
        checkpoints = Dictionary(uniqueKeysWithValues: runner.starts.map { ($0.key.rawValue, $0.value.reference) })
    }

    /// The models in the sweep's order.
    public var models: [ModelName] { jobs.map(\.model).uniqued() }

    /// What a worker is given for one job (the ASSIGN payload).
    public func spec(of job: PlannedJob) -> JobSpec {
        JobSpec(sweep: id, job: job.job, configuration: configuration, folds: folds, checkpoint: checkpoints[job.model.rawValue])
    }

    /// The planned job whose cluster job id is `id` (`<sweep id>/<path>`).
    public func job(id: String) -> PlannedJob? { jobs.first { "\(self.id)/\($0.path)" == id } }

    /// The sweep's results from its jobs' outcomes (failed jobs included).
    public func results(_ outcomes: [JobOutcome]) -> SweepResults {
        SweepResults(name: name, classes: classes, jobs: outcomes, modelOrder: models, folds: folds.map(\.folds))
    }

    /// The refit of `model` on all the sweep's data once its jobs ended with `outcomes`: the job
    /// as the coordinator records it (path `<model>/refit`, the refit's params, every row to fit)
    /// and what a worker is given to train it. An error when none of `model`'s jobs finished.
    public func refit(_ name: String, outcomes: [JobOutcome]) throws -> (planned: PlannedJob, spec: JobSpec) {
        guard let job = jobs.first(where: { $0.model.rawValue == name }) else {
            throw TrainingError.configuration("refit", "sweep '\(id)' has no model '\(name)' (it compared \(models.map(\.rawValue).joined(separator: ", ")))")
        }
        let model = job.model
        let origin = try Refit.Origin(model: model, results: results(outcomes))
        let refit = try Refit(model: model, origin: origin, config: try ConfigLoader.load(yaml: configuration, source: "configuration of sweep \(id)"))
        let rows = job.examples.fit + job.examples.selection + job.examples.test
        let planned = PlannedJob(job: .refit(model), path: Refit.path(model), params: refit.params(jobParams: job.params),
                                 examples: JobExamples(fit: rows, selection: 0, test: 0))
        var spec = spec(of: planned)
        spec.refit = origin
        return (planned, spec)
    }
}

/// One job as a worker trains it: the sweep's resolved configuration and fold assignments (one
/// per repeat), the job, and the checkpoint its model starts from. JSON, the payload of ASSIGN.
public struct JobSpec: Codable, Equatable, Sendable {
    public var sweep: String
    public var job: JobKey
    public var configuration: String
    public var folds: [FoldAssignment]
    /// The model's `init` checkpoint, which the worker fetches by digest before training.
    public var checkpoint: CheckpointReference?
    /// Set for a refit (`job` is `JobKey.refit`): what it takes from the sweep's finished jobs.
    public var refit: Refit.Origin?

    /// The configuration, parsed; an error names the sweep.
    public func loadConfiguration() throws -> SweepConfig {
        try ConfigLoader.load(yaml: configuration, source: "configuration of sweep \(sweep)")
    }
}

/// What a worker sends back for a finished job (the RESULT summary): the outcome as results.json
/// lists it and the job's small files by name (predictions.csv, confusion_matrix.json and .svg,
/// history.csv, training_curves.svg, split.json, spectrofold-model.json); the state dict travels
/// in its own frame.
public struct JobReport: Codable, Sendable {
    public var outcome: JobOutcome
    public var files: [String: String]

    public init(outcome: JobOutcome, files: [String: String]) { self.outcome = outcome; self.files = files }

    /// The names of the small files, as `JobArtifacts` has them; a refit (no held-out rows) has
    /// no predictions and no confusion matrix.
    public static func fileNames(_ artifacts: JobArtifacts, heldOut: Bool = true) -> [String] {
        ((heldOut ? [artifacts.predictions, artifacts.confusionMatrixJSON, artifacts.confusionMatrixSVG] : [])
            + [artifacts.historyCSV, artifacts.curvesSVG, artifacts.split, artifacts.modelCard])
            .map { ($0 as NSString).lastPathComponent }
    }
}

extension JobArtifacts {
    /// The artifacts of a job whose files are in `directory` under their usual names.
    public init(directory: String) {
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        self.init(directory: directory, stateDict: path("state_dict.safetensors"), modelCard: path(ModelCard.fileName),
                  predictions: path("predictions.csv"),
                  confusionMatrixSVG: path("confusion_matrix.svg"), confusionMatrixJSON: path("confusion_matrix.json"),
                  curvesSVG: path("training_curves.svg"), historyCSV: path("history.csv"), split: path("split.json"))
    }
}
