import Foundation

/// One model × fold job's outcome, as written to results.json.
public struct JobOutcome: Codable, Sendable {
    public var model: String
    public var fold: Int
    /// `finished` or `failed`.
    public var status: String
    public var error: String?
    public var modelVersion: String
    /// Final metrics of the best epoch on the validation part: accuracy, f1_weighted,
    /// precision_weighted, recall_weighted, f1_macro, precision_macro, recall_macro, val_loss.
    public var metrics: [String: Double]
    public var bestEpoch: Int?
    public var epochs: [EpochRecord]
    public var seconds: Double
    /// Hyperparameters as logged (learning_rate, optimizer, batch_size, dropout, model_version, …).
    public var params: [String: String]
    /// Rows true class, columns predicted class, on the validation part (finished jobs).
    public var confusionMatrix: [[Int]]?
    /// Precision, recall, F1 and support of each class (in `SweepResults.classes` order).
    public var perClass: [ClassReport]?
    public var trainExamples: Int
    public var validationExamples: Int

    /// A job that did not train, with why.
    public static func failed(model: String, fold: Int, error: String, modelVersion: String, params: [String: String],
                              trainExamples: Int, validationExamples: Int) -> JobOutcome {
        JobOutcome(model: model, fold: fold, status: "failed", error: error, modelVersion: modelVersion, metrics: [:], bestEpoch: nil,
                   epochs: [], seconds: 0, params: params, confusionMatrix: nil, perClass: nil,
                   trainExamples: trainExamples, validationExamples: validationExamples)
    }
}

/// Mean and sample standard deviation (n − 1 in the denominator; 0 for a single value).
public struct MeanStd: Codable, Equatable, Sendable {
    public var mean: Double
    public var std: Double

    public init(_ values: [Double]) {
        let n = Double(values.count)
        let mean = values.reduce(0, +) / max(n, 1)
        self.mean = mean
        std = n > 1 ? (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot() : 0
    }
}

/// results.json: every job, each model's aggregates over its finished folds, and the paired
/// comparisons of the models.
public struct SweepResults: Codable, Sendable {
    public static let reportedMetrics = ["accuracy", "f1_weighted", "precision_weighted", "recall_weighted",
                                         "f1_macro", "precision_macro", "recall_macro", "val_loss"]
    public var name: String
    public var classes: [String]
    public var jobs: [JobOutcome]
    public var models: [String: [String: MeanStd]]
    public var comparisons: [PairedComparison]
    /// The fold of every pack row (so the split can be reproduced and checked).
    public var folds: [Int]

    public init(name: String, classes: [String], jobs: [JobOutcome], modelOrder: [String], folds: [Int], testFraction: Double) {
        self.name = name
        self.classes = classes
        self.jobs = jobs
        self.folds = folds
        var models: [String: [String: MeanStd]] = [:]
        for model in modelOrder {
            let finished = jobs.filter { $0.model == model && $0.status == "finished" }
            guard !finished.isEmpty else { continue }
            models[model] = Dictionary(uniqueKeysWithValues: Self.reportedMetrics.map { metric in
                (metric, MeanStd(finished.compactMap { $0.metrics[metric] }))
            })
        }
        self.models = models
        comparisons = []
        for (i, a) in modelOrder.enumerated() {
            for b in modelOrder[(i + 1)...] {
                let pairs = jobs.filter { $0.model == a && $0.status == "finished" }.compactMap { job in
                    jobs.first { $0.model == b && $0.fold == job.fold && $0.status == "finished" }.map { (job.metrics["accuracy"]!, $0.metrics["accuracy"]!) }
                }
                if let comparison = PairedComparison(modelA: a, a: pairs.map(\.0), modelB: b, b: pairs.map(\.1),
                                                     metric: "accuracy", testFraction: testFraction) {
                    comparisons.append(comparison)
                }
            }
        }
    }

    /// Per model, the confusion matrices of its finished folds added up.
    public var summedConfusionMatrices: [(model: String, matrix: [[Int]])] {
        jobs.map(\.model).uniqued().compactMap { model in
            let matrices = jobs.filter { $0.model == model }.compactMap(\.confusionMatrix)
            guard let first = matrices.first else { return nil }
            return (model, matrices.dropFirst().reduce(first) { sum, m in zip(sum, m).map { zip($0, $1).map(+) } })
        }
    }

    /// Per model and metric: mean and std over folds, as CSV.
    public var csvTable: String {
        var lines = ["model,metric,mean,std,folds"]
        for model in jobs.map(\.model).uniqued() {
            guard let m = models[model] else { continue }
            let folds = jobs.filter { $0.model == model && $0.status == "finished" }.count
            for metric in Self.reportedMetrics { lines.append("\(model),\(metric),\(m[metric]!.mean),\(m[metric]!.std),\(folds)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes results.json (snake_case keys, non-finite numbers as strings) and the report
    /// (`writeReport`) into `directory`; returns the report's paths.
    public func write(to directory: String) throws -> [String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try encoder.encode(self).write(to: URL(fileURLWithPath: (directory as NSString).appendingPathComponent("results.json")))
        return try writeReport(to: directory)
    }

    /// Writes comparison.md and .csv, the accuracy chart with error bars and each model's summed
    /// confusion matrix (JSON and SVG) into `directory`; returns the paths written.
    public func writeReport(to directory: String) throws -> [String] {
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        var written: [String] = []
        func write(_ text: String, _ name: String) throws {
            try text.write(toFile: path(name), atomically: true, encoding: .utf8)
            written.append(path(name))
        }
        try write(markdownTable, "comparison.md")
        try write(csvTable, "comparison.csv")
        let bars = jobs.map(\.model).uniqued().compactMap { model in models[model].map { (model, $0["accuracy"]!.mean, $0["accuracy"]!.std) } }
        try write(SVGCharts.errorBars(bars, title: "\(name): accuracy, mean ± std over folds"), "comparison_accuracy.svg")
        for (model, matrix) in summedConfusionMatrices {
            let json = try JSONSerialization.data(withJSONObject: ["classes": classes, "matrix": matrix], options: [.sortedKeys])
            try write(String(decoding: json, as: UTF8.self), "\(model)_confusion_matrix_sum.json")
            try write(SVGCharts.confusionMatrix(matrix, classes: classes, title: "\(model), all folds"), "\(model)_confusion_matrix_sum.svg")
        }
        return written
    }

    /// The comparison table in Markdown: per model, mean ± std over folds of the main metrics,
    /// then the paired tests.
    public var markdownTable: String {
        var lines = ["| model | folds | accuracy | f1_weighted | precision_weighted | recall_weighted | val_loss |",
                     "| --- | --- | --- | --- | --- | --- | --- |"]
        for model in jobs.map(\.model).uniqued() {
            guard let m = models[model] else {
                lines.append("| \(model) | 0 | failed | | | | |")
                continue
            }
            let folds = jobs.filter { $0.model == model && $0.status == "finished" }.count
            let cells = ["accuracy", "f1_weighted", "precision_weighted", "recall_weighted", "val_loss"].map {
                String(format: "%.4f ± %.4f", m[$0]!.mean, m[$0]!.std)
            }
            lines.append("| \(model) | \(folds) | " + cells.joined(separator: " | ") + " |")
        }
        if !comparisons.isEmpty {
            lines += ["", "Paired comparison of accuracy over folds (corrected resampled t-test, two-sided):", "",
                      "| A | B | mean(A − B) | t | p | more than noise? |", "| --- | --- | --- | --- | --- | --- |"]
            for c in comparisons {
                let figures = String(format: "%+.4f | %.2f | %.4f", c.meanDifference, c.t, c.p)
                lines.append("| \(c.modelA) | \(c.modelB) | \(figures) | \(c.significant ? "yes (p < 0.05)" : "no") |")
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension Array where Element: Hashable {
    /// The elements in first-seen order without repeats.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
