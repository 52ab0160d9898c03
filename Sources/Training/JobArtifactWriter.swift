import Foundation
import NN

/// Writes one job's files: the best epoch's state dict, per-example predictions, the confusion
/// matrix (JSON and SVG) and the training curves (CSV and SVG).
struct JobArtifactWriter {
    let directory: String
    let classes: [String]
    /// Source path of every pack row, for predictions.csv.
    let files: [String]

    func write(model: Module, modelVersion: String, evaluation: Evaluation, history: [EpochRecord], title: String) throws -> JobArtifacts {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let artifacts = JobArtifacts(directory: directory)
        try StateDict.save(model, to: artifacts.stateDict, metadata: ["format": "pt", "model_version": modelVersion])
        try predictionsCSV(evaluation).write(toFile: artifacts.predictions, atomically: true, encoding: .utf8)
        let matrix = evaluation.metrics.confusionMatrix
        let json = try JSONSerialization.data(withJSONObject: ["classes": classes, "matrix": matrix,
                                                               "rows": "true class", "columns": "predicted class"],
                                              options: [.prettyPrinted, .sortedKeys])
        try json.write(to: URL(fileURLWithPath: artifacts.confusionMatrixJSON))
        try SVGCharts.confusionMatrix(matrix, classes: classes, title: title)
            .write(toFile: artifacts.confusionMatrixSVG, atomically: true, encoding: .utf8)
        try SVGCharts.curves([("train loss", history.map(\.trainLoss)), ("val loss", history.map(\.valLoss)),
                              ("train accuracy", history.map(\.trainAccuracy)), ("val accuracy", history.map(\.valAccuracy))],
                             title: title, yLabel: "loss / accuracy")
            .write(toFile: artifacts.curvesSVG, atomically: true, encoding: .utf8)
        try historyCSV(history).write(toFile: artifacts.historyCSV, atomically: true, encoding: .utf8)
        return artifacts
    }

    /// `path,label,predicted,p_<class>…` with class names, one row per validation example.
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
            [String(r.epoch), String(r.trainLoss), String(r.trainAccuracy), String(r.valLoss), String(r.valAccuracy),
             String(r.valF1Weighted), String(r.valPrecisionWeighted), String(r.valRecallWeighted), String(r.learningRate),
             String(format: "%.3f", r.seconds)].joined(separator: ",")
        }).joined(separator: "\n") + "\n"
    }

    private func csvField(_ s: String) -> String {
        s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
