import ArgumentParser
import ModelNames

/// The common sweep settings as flags, shared by `sweep --local` and `submit`: each becomes a
/// configuration override applied after the file and before `--set`.
struct SweepFlags: ParsableArguments {
    @Option(help: ArgumentHelp("Manifest CSV, class-per-folder directory, or feature pack (.safetensors).", valueName: "DIR_OR_CSV"))
    var data: String?
    @Option(help: ArgumentHelp("Models to compare, comma-separated.", valueName: "a,b,c")) var models: String?
    @Option(help: "Number of folds.") var folds: Int?
    @Option(help: "Epochs of every job (beats the file's per-model trainer.epochs too).") var epochs: Int?
    @Option(help: "Preset of every model: mini or standard.") var preset: String?
    @Option(help: "MLflow experiment (else tracking.experiment, else MLFLOW_EXPERIMENT_NAME, else spectrofold).") var experiment: String?

    var overrides: [String] {
        var overrides: [String] = []
        if let data { overrides.append("data.source=\(data)") }
        if let models { overrides.append("models.run=[\(models)]") }
        if let folds { overrides.append("folds.k=\(folds)") }
        if let epochs { overrides += ["trainer.epochs=\(epochs)"] + ModelName.allCases.map { "models.\($0).trainer.epochs=\(epochs)" } }
        if let preset { overrides += ModelName.allCases.map { "models.\($0).preset=\(preset)" } }
        return overrides
    }
}
