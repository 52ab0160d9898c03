import Data
import Foundation
import NN

/// Writes one job's files: the chosen epoch's state dict, the split (split.json), the held-out
/// predictions, the confusion matrix (JSON and SVG) and the training curves (CSV and SVG).
struct JobArtifactWriter {
    let directory: String
    let classes: [String]
    /// Source path of every pack row, for predictions.csv.
    let files: [String]

    func write(model: Module, modelVersion: String, split: JobSplit, test: Evaluation, history: [EpochRecord], chosenEpoch: Int,
               title: String) throws -> JobArtifacts {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let artifacts = JobArtifacts(directory: directory)
        try StateDict.save(model, to: artifacts.stateDict, metadata: ["format": "pt", "model_version": modelVersion])
        let rows = try JSONSerialization.data(withJSONObject: ["fit": split.fitRows, "selection": split.selectionRows, "test": split.testRows],
                                              options: [.sortedKeys])
        try rows.write(to: URL(fileURLWithPath: artifacts.split))
        try predictionsCSV(test).write(toFile: artifacts.predictions, atomically: true, encoding: .utf8)
        let matrix = test.metrics.confusionMatrix
        let json = try JSONSerialization.data(withJSONObject: ["classes": classes, "matrix": matrix,
                                                               "rows": "true class", "columns": "predicted class"],
                                              options: [.prettyPrinted, .sortedKeys])
        try json.write(to: URL(fileURLWithPath: artifacts.confusionMatrixJSON))
        try ConfusionMatrixChart.svg(matrix, classes: classes, title: "\(title): held-out fold")
            .write(toFile: artifacts.confusionMatrixSVG, atomically: true, encoding: .utf8)
        try TrainingCurvesChart.svg(history: history, chosenEpoch: chosenEpoch, title: title)
            .write(toFile: artifacts.curvesSVG, atomically: true, encoding: .utf8)
        try historyCSV(history).write(toFile: artifacts.historyCSV, atomically: true, encoding: .utf8)
        return artifacts
    }

    /// `path,label,predicted,p_<class>…` with class names, one row per held-out example.
    private func predictionsCSV(_ e: Evaluation) -> String {
        let c = classes.count
        var lines = [(["path", "label", "predicted"] + classes.map { "p_\($0)" }).map(csvField).joined(separator: ",")]
        for (i, row) in e.rows.enumerated() {
            let probabilities = (0..<c).map { String(format: "%.6g", e.probabilities[i * c + $0]) }
            lines.append(([csvField(files[row]), csvField(classes[e.labels[i]]), csvField(classes[e.predictions[i]])] + probabilities)
                .joined(separator: ","))
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

    private func csvField(_ s: String) -> String {
        s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
