import Data
import Foundation
import NN
import RunRecords

/// Writes one job's files: the chosen epoch's state dict and its card (spectrofold-model.json),
/// the split (split.json), the training curves (CSV and SVG) and, when rows were held out, their
/// predictions and confusion matrix (JSON and SVG).
struct JobArtifactWriter {
    let directory: String
    let classes: [String]
    /// Source path of every pack row, for predictions.csv.
    let files: [String]

    /// `card` is complete but for the state dict's SHA-256, filled in here; `test` is nil for a refit.
    func write(model: Module, card: ModelCard, split: JobSplit, test: Evaluation?, history: [EpochRecord], chosenEpoch: Int,
               title: String) throws -> JobArtifacts {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let artifacts = JobArtifacts(directory: directory)
        try StateDict.save(model, to: artifacts.stateDict, metadata: ["format": "pt", "model_version": card.modelVersion])
        var card = card
        card.stateDict = ModelCard.StateDictReference(file: (artifacts.stateDict as NSString).lastPathComponent,
                                                      sha256: try Self.sha256(ofFile: artifacts.stateDict))
        try card.write(to: artifacts.modelCard)
        let rows = try JSONSerialization.data(withJSONObject: ["fit": split.fitRows, "selection": split.selectionRows, "test": split.testRows],
                                              options: [.sortedKeys])
        try rows.write(to: URL(fileURLWithPath: artifacts.split))
        try TrainingCurvesChart.svg(history: history, chosenEpoch: chosenEpoch, title: title)
            .write(toFile: artifacts.curvesSVG, atomically: true, encoding: .utf8)
        try historyCSV(history).write(toFile: artifacts.historyCSV, atomically: true, encoding: .utf8)
        guard let test else { return artifacts }
        try predictionsCSV(test).write(toFile: artifacts.predictions, atomically: true, encoding: .utf8)
        let matrix = test.metrics.confusionMatrix
        let json = try JSONSerialization.data(withJSONObject: ["classes": classes, "matrix": matrix,
                                                               "rows": "true class", "columns": "predicted class"],
                                              options: [.prettyPrinted, .sortedKeys])
        try json.write(to: URL(fileURLWithPath: artifacts.confusionMatrixJSON))
        try ConfusionMatrixChart.svg(matrix, classes: classes, title: "\(title): held-out fold")
            .write(toFile: artifacts.confusionMatrixSVG, atomically: true, encoding: .utf8)
        return artifacts
    }

    /// SHA-256 of a file's bytes, 64 hex digits.
    static func sha256(ofFile path: String) throws -> String {
        var hash = SHA256()
        try Data(contentsOf: URL(fileURLWithPath: path)).withUnsafeBytes { hash.update($0) }
        return hash.hexDigest
    }

    /// `path,label,predicted,p_<class>…` with class names, one row per held-out example.
    private func predictionsCSV(_ e: Evaluation) -> String {
        let c = classes.count
        var lines = [PredictionTable.header(["path", "label", "predicted"], classes: classes)]
        for (i, row) in e.rows.enumerated() {
            lines.append(PredictionTable.row([files[row], classes[e.labels[i]], classes[e.predictions[i]]], e.probabilities[(i * c)..<((i + 1) * c)]))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func historyCSV(_ history: [EpochRecord]) -> String {
        let header = "epoch,train_loss,train_accuracy,val_loss,val_accuracy,val_f1_weighted,val_precision_weighted,val_recall_weighted,learning_rate,seconds"
        return ([header] + history.map { r in
            ([String(r.epoch), String(r.trainLoss), String(r.trainAccuracy)]
                + [r.valLoss, r.valAccuracy, r.valF1Weighted, r.valPrecisionWeighted, r.valRecallWeighted].map { $0.map { String($0) } ?? "" }
                + [String(r.learningRate), String(format: "%.3f", r.seconds)]).joined(separator: ",")
        }).joined(separator: "\n") + "\n"
    }
}
