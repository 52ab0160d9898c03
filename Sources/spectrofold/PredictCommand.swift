import ArgumentParser
import Data
import Foundation
import Tracking
import Training

/// `spectrofold predict SOURCE…`: classify audio with a trained model, exactly as its job scored
/// its held-out fold.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify audio files with a trained job, a model's fold ensemble, a refit or an MLflow run.",
        discussion: """
        SOURCE: audio files, folders of them, or manifest CSVs (path column as in training, or --path-column; \
        the metadata columns the model reads must be there). Output: path,predicted,p_<class>… (CSV), or --json. \
        A file that cannot be decoded is named on standard error and the others are classified; the exit status \
        is then 1.
        """)

    @Argument(help: ArgumentHelp("Audio files, folders of them, or manifest CSVs.", valueName: "SOURCE")) var sources: [String]
    @OptionGroup var model: ModelSourceOptions
    @Option(help: ArgumentHelp("Write the predictions to FILE instead of standard output.", valueName: "FILE")) var out: String?
    @Flag(help: "JSON instead of CSV.") var json = false
    @Flag(help: "Every window's scores (path,window,start_s,predicted,p_<class>…) instead of each clip's.") var perWindow = false
    @Option(help: ArgumentHelp("Path column or template of manifest CSVs (default: the training manifest's).", valueName: "COLUMN"))
    var pathColumn: String?
    @Option(help: "Examples per forward pass.") var batchSize = 32
    @Option(help: ArgumentHelp("Also register the model (--job or --run) in MLflow's model registry under NAME.", valueName: "NAME"))
    var register: String?
    @Option(help: "MLflow experiment of the model's run, for --register (else MLFLOW_EXPERIMENT_NAME, else spectrofold).") var experiment: String?

    func run() throws {
        let predictor = try Predictor(members: try model.load())
        let card = predictor.card
        var columns = card.dataColumns.columns
        if let pathColumn { columns.path = pathColumn }
        let metadata = card.schema.metadataColumns
        columns.numericMetadata = metadata.filter { $0.kind == .numeric }.map(\.name)
        columns.categoricalMetadata = metadata.filter { $0.kind == .categorical }.map(\.manifestColumn).uniqued()
        let manifest = try ScoringSources.manifest(sources, columns: columns)
        let pack = try predictor.featurise(manifest)
        let clips = try predictor.predict(pack, batchSize: batchSize)
        let text = json ? try jsonReport(clips, predictor: predictor, failed: pack.skipped)
                        : PredictionTable.csv(clips, classes: predictor.classes, perWindow: perWindow)
        if let out { try text.write(toFile: out, atomically: true, encoding: .utf8) } else { print(text, terminator: "") }
        if let register { try registerModel(as: register, card: card) }
        for failure in pack.skipped { FileHandle.standardError.write(Data("error: \(failure)\n".utf8)) }
        if !pack.skipped.isEmpty {
            FileHandle.standardError.write(Data("\(pack.skipped.count) of \(manifest.entries.count) files could not be classified\n".utf8))
            throw ExitCode(1)
        }
    }

    /// Registers the source's model from its MLflow run (says so on standard error, keeping standard output for the predictions).
    private func registerModel(as name: String, card: ModelCard) throws {
        let settings: TrackingSettings
        do {
            settings = try TrackingSettings.resolve(flagURI: model.mlflow, flagExperiment: experiment, configURI: nil, configExperiment: nil,
                                                    environment: ProcessInfo.processInfo.environment)
        } catch TrackingSettingsError.noTrackingURI {
            throw ValidationError("--register needs MLflow: --mlflow URI or MLFLOW_TRACKING_URI")
        }
        let run = try model.trackedRun(card, settings: settings)
        let version = try ModelRegistration.register(name: name, runId: run.runId, artifactURI: run.artifactURI, card: card, settings: settings)
        FileHandle.standardError.write(Data("registered model '\(name)' version \(version) (run \(run.runId), source \(run.artifactURI)/model)\n".utf8))
    }

    /// {"model": {...}, "classes": [...], "predictions": [{"path", "predicted", "probabilities": {class: p}, "windows"?}], "failed": [...]}
    private func jsonReport(_ clips: [ClipPrediction], predictor: Predictor, failed: [String]) throws -> String {
        let classes = predictor.classes
        func named(_ probabilities: [Float]) -> [String: Double] {
            Dictionary(uniqueKeysWithValues: zip(classes, probabilities.map(Double.init)))
        }
        let predictions: [[String: Any]] = clips.map { clip in
            var entry: [String: Any] = ["path": clip.path, "predicted": classes[clip.predicted], "probabilities": named(clip.probabilities)]
            if perWindow {
                entry["windows"] = clip.windows.map { ["index": $0.index, "start_s": $0.startSeconds, "probabilities": named($0.probabilities)] }
            }
            return entry
        }
        let card = predictor.card
        let report: [String: Any] = [
            "model": ["model": card.model.rawValue, "preset": card.preset, "model_version": card.modelVersion, "sweep_id": card.sweep.id,
                      "members": predictor.members.map { $0.card.job }],
            "classes": classes, "predictions": predictions, "failed": failed,
        ]
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

extension Array where Element: Hashable {
    /// The elements in first-seen order without repeats.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
