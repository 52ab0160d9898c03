import Data
import Foundation
import ModelNames
import RunRecords

/// A job's three parts, in pack rows (`JobSplit`).
public struct JobExamples: Codable, Equatable, Sendable {
    public var fit: Int
    public var selection: Int
    public var test: Int

    public init(fit: Int, selection: Int, test: Int) { (self.fit, self.selection, self.test) = (fit, selection, test) }
    public init(_ split: JobSplit) { self.init(fit: split.fitRows.count, selection: split.selectionRows.count, test: split.testRows.count) }

    /// test ÷ (fit + selection): the n_test/n_train of the corrected resampled t-test.
    public var testTrainRatio: Double { Double(test) / Double(max(fit + selection, 1)) }
}

/// Whether a job trained to the end and was scored (results.json spells it `finished`/`failed`).
public enum JobStatus: String, Codable, Sendable {
    case finished, failed
}

/// One model × repeat × fold job's outcome, as written to results.json.
public struct JobOutcome: Codable, Sendable {
    public var model: ModelName
    /// 0-based; 0 in a sweep of one repeat.
    public var `repeat`: Int
    public var fold: Int
    public var status: JobStatus
    public var error: String?
    public var modelVersion: String
    /// The held-out fold scored once with the chosen weights: accuracy, f1_weighted,
    /// precision_weighted, recall_weighted, f1_macro, precision_macro, recall_macro, val_loss
    /// (the held-out loss; the name is kept from when the held-out fold was the validation part).
    public var metrics: [String: Double]
    /// The epoch whose weights were scored (best on the selection part, or the last one).
    public var bestEpoch: Int?
    public var epochs: [EpochRecord]
    public var seconds: Double
    /// Hyperparameters as logged (learning_rate, optimizer, batch_size, dropout, model_version, …).
    public var params: [String: String]
    /// Rows true class, columns predicted class, on the held-out fold (finished jobs).
    public var confusionMatrix: [[Int]]?
    /// Precision, recall, F1 and support of each class (in `SweepResults.classes` order).
    public var perClass: [ClassReport]?
    public var examples: JobExamples

    public var key: JobKey { JobKey(model: model, repeat: `repeat`, fold: fold) }

    /// A job that did not train, with why.
    public static func failed(_ job: JobKey, error: String, modelVersion: String, params: [String: String],
                              examples: JobExamples) -> JobOutcome {
        JobOutcome(model: job.model, repeat: job.repeat, fold: job.fold, status: .failed, error: error, modelVersion: modelVersion,
                   metrics: [:], bestEpoch: nil, epochs: [], seconds: 0, params: params, confusionMatrix: nil, perClass: nil,
                   examples: examples)
    }
}

/// Mean and sample standard deviation (n − 1 in the denominator; 0 for a single value) of a
/// score over a model's jobs; for accuracy also the corrected 95 % interval of the mean
/// (`CorrectedInterval`).
public struct MeanStd: Codable, Equatable, Sendable {
    public var mean: Double
    public var std: Double
    public var ci95Low: Double?
    public var ci95High: Double?

    public init(_ values: [Double], interval: CorrectedInterval? = nil) {
        let n = Double(values.count)
        let mean = values.reduce(0, +) / max(n, 1)
        self.mean = mean
        std = n > 1 ? (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot() : 0
        (ci95Low, ci95High) = (interval?.low, interval?.high)
    }
}

/// results.json: every job, each model's aggregates over its finished jobs, and the paired
/// comparisons of the models (corrected repeated k-fold t-test, Holm-adjusted over all pairs).
public struct SweepResults: Codable, Sendable {
    public static let reportedMetrics = HeldOutScore.allCases.map(\.rawValue)
    public var name: String
    public var classes: [String]
    public var jobs: [JobOutcome]
    public var models: [String: [String: MeanStd]]
    public var comparisons: [PairedComparison]
    /// The fold of every pack row (so the split can be reproduced and checked): one list, or
    /// one list per repeat when the sweep has several.
    public var folds: RowFolds

    public init(name: String, classes: [String], jobs: [JobOutcome], modelOrder: [ModelName], folds: [[Int]]) {
        self.name = name
        self.classes = classes
        self.jobs = jobs
        self.folds = RowFolds(folds)
        var models: [String: [String: MeanStd]] = [:]
        for model in modelOrder {
            let finished = jobs.filter { $0.model == model && $0.status == .finished }
            guard !finished.isEmpty else { continue }
            let ratio = Self.meanTestTrainRatio(finished)
            models[model.rawValue] = Dictionary(uniqueKeysWithValues: Self.reportedMetrics.map { metric in
                let values = finished.compactMap { $0.metrics[metric] }
                return (metric, MeanStd(values, interval: metric == HeldOutScore.accuracy.rawValue ? CorrectedInterval(scores: values, testTrainRatio: ratio, possible: 0...1) : nil))
            })
        }
        self.models = models
        var comparisons: [PairedComparison] = []
        for (i, a) in modelOrder.enumerated() {
            for b in modelOrder[(i + 1)...] {
                let pairs = jobs.filter { $0.model == a && $0.status == .finished }.compactMap { job in
                    jobs.first { $0.model == b && $0.repeat == job.repeat && $0.fold == job.fold && $0.status == .finished }.map { (job, $0) }
                }
                if let comparison = PairedComparison(modelA: a.rawValue, a: pairs.map { $0.0.metrics[.accuracy]! }, modelB: b.rawValue,
                                                     b: pairs.map { $0.1.metrics[.accuracy]! }, metric: HeldOutScore.accuracy.rawValue,
                                                     testTrainRatio: Self.meanTestTrainRatio(pairs.map(\.0))) {
                    comparisons.append(comparison)
                }
            }
        }
        self.comparisons = PairedComparison.holmAdjusted(comparisons)
    }

    /// The mean over `jobs` of test ÷ (fit + selection) rows.
    static func meanTestTrainRatio(_ jobs: [JobOutcome]) -> Double {
        jobs.map(\.examples.testTrainRatio).reduce(0, +) / Double(max(jobs.count, 1))
    }

    /// Per model, the confusion matrices of its finished folds added up.
    public var summedConfusionMatrices: [(model: String, matrix: [[Int]])] {
        jobs.map(\.model).uniqued().compactMap { model in
            let matrices = jobs.filter { $0.model == model }.compactMap(\.confusionMatrix)
            guard let first = matrices.first else { return nil }
            return (model.rawValue, matrices.dropFirst().reduce(first) { sum, m in zip(sum, m).map { zip($0, $1).map(+) } })
        }
    }

    /// Per model and metric: mean, std and (accuracy) the corrected 95 % interval over its jobs, as CSV.
    public var csvTable: String {
        var lines = ["model,metric,mean,std,ci95_low,ci95_high,jobs"]
        for model in jobs.map(\.model).uniqued() {
            guard let m = models[model.rawValue] else { continue }
            let count = jobs.filter { $0.model == model && $0.status == .finished }.count
            for metric in Self.reportedMetrics {
                let s = m[metric]!
                lines.append("\(model),\(metric),\(s.mean),\(s.std),\(s.ci95Low.map { String($0) } ?? ""),\(s.ci95High.map { String($0) } ?? ""),\(count)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes results.json (snake_case keys, non-finite numbers as strings), `context` as
    /// sweep.json and the report (`writeReport`) into `directory`; returns the paths of sweep.json
    /// and the report's files.
    public func write(to directory: String, context: SweepContext) throws -> [String] {
        try JSONCoding.encoder([.prettyPrinted, .sortedKeys], keys: .convertToSnakeCase).encode(self).write(to: URL(fileURLWithPath: (directory as NSString).appendingPathComponent("results.json")))
        return [try context.write(to: directory)] + (try writeReport(to: directory, context: context))
    }

    /// Reads the results.json of the sweep folder `directory`.
    public static func read(fromSweepFolder directory: String) throws -> SweepResults {
        try JSONCoding.decode(SweepResults.self, from: Data(contentsOf: URL(fileURLWithPath: (directory as NSString).appendingPathComponent("results.json"))),
                              keys: .convertFromSnakeCase)
    }

    /// Writes report.html (`SweepReport`), comparison.md and .csv, the accuracy dot plot
    /// (comparison_accuracy.svg), the per-class F1 chart (per_class_f1.svg) and each model's
    /// summed confusion matrix (JSON and SVG, cells as `confusionCells` says) into `directory`;
    /// returns the paths written.
    public func writeReport(to directory: String, context: SweepContext, confusionCells: ConfusionCells = .shares) throws -> [String] {
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        var written: [String] = []
        func write(_ text: String, _ name: String) throws {
            try text.write(toFile: path(name), atomically: true, encoding: .utf8)
            written.append(path(name))
        }
        try write(SweepReport.html(self, context: context, confusionCells: confusionCells), SweepReport.fileName)
        try write(markdownTable, "comparison.md")
        try write(csvTable, "comparison.csv")
        try write(accuracyDotPlot, "comparison_accuracy.svg")
        try write(perClassF1Chart, "per_class_f1.svg")
        for (model, matrix) in summedConfusionMatrices {
            let json = try JSONSerialization.data(withJSONObject: ["classes": classes, "matrix": matrix], options: [.sortedKeys])
            try write(String(decoding: json, as: UTF8.self), "\(model)_confusion_matrix_sum.json")
            try write(summedConfusionChart(model: model, matrix: matrix, cells: confusionCells), "\(model)_confusion_matrix_sum.svg")
        }
        return written
    }

    /// The comparison table in Markdown: per model, mean ± std over its jobs of the main
    /// held-out metrics and the corrected 95 % interval of the accuracy, then the paired tests.
    public var markdownTable: String {
        var lines = ["| model | jobs | accuracy | accuracy 95 % CI | f1_weighted | precision_weighted | recall_weighted | val_loss |",
                     "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        for model in jobs.map(\.model).uniqued() {
            guard let m = models[model.rawValue] else {
                lines.append("| \(model) | 0 | failed | | | | | |")
                continue
            }
            let count = jobs.filter { $0.model == model && $0.status == .finished }.count
            let cells = HeldOutScore.tracked.map { String(format: "%.4f ± %.4f", m[$0]!.mean, m[$0]!.std) }
            let accuracy = m[.accuracy]!
            let interval = accuracy.ci95Low.flatMap { low in accuracy.ci95High.map { String(format: "[%.4f, %.4f]", low, $0) } } ?? "–"
            lines.append("| \(model) | \(count) | \(cells[0]) | \(interval) | " + cells.dropFirst().joined(separator: " | ") + " |")
        }
        if !comparisons.isEmpty {
            lines += ["", "Paired comparison of held-out accuracy over the jobs (corrected repeated k-fold t-test, two-sided; "
                      + "p (Holm) adjusted over all \(comparisons.count) pairs):", "",
                      "| A | B | mean(A − B) | t | df | p | p (Holm) | more than noise? |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
            for c in comparisons {
                let figures = String(format: "%+.4f | %.2f | %d | %.4f | %.4f", c.meanDifference, c.t, c.df, c.p, c.pHolm)
                lines.append("| \(c.modelA) | \(c.modelB) | \(figures) | \(c.significant ? "yes (Holm p < 0.05)" : "no") |")
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// The fold of every pack row, as results.json writes it: one list for a sweep of one repeat,
/// one list per repeat otherwise.
public struct RowFolds: Codable, Equatable, Sendable {
    public var perRepeat: [[Int]]

    public init(_ perRepeat: [[Int]]) { self.perRepeat = perRepeat }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let single = try? container.decode([Int].self) { perRepeat = [single] } else { perRepeat = try container.decode([[Int]].self) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        if perRepeat.count == 1 { try container.encode(perRepeat[0]) } else { try container.encode(perRepeat) }
    }
}

extension Array where Element: Hashable {
    /// The elements in first-seen order without repeats.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
