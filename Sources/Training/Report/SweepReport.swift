import Foundation
import ModelNames
import RunRecords

/// report.html: one page per sweep that reads without anything else (inline SVG and CSS, no
/// scripts, nothing fetched): the comparison table and the paired tests, the accuracy dot plot,
/// the per-class F1 chart, each model's summed confusion matrix, every job with its worker(s)
/// and its training curves, the dataset, the configuration and the run's wall time. Section ids:
/// `comparison`, `paired-tests`, `scores`, `per-class`, `confusion-matrices`, `jobs`, `curves`,
/// `dataset`, `configuration`.
public enum SweepReport {
    public static let fileName = "report.html"

    /// `confusionCells`: what the summed confusion matrices' cells show.
    public static func html(_ results: SweepResults, context: SweepContext, confusionCells: ConfusionCells = .shares) -> String {
        let sections = [comparison(results), pairedTests(results),
                        section("scores", "Accuracy per job", figure("accuracy-dot-plot", results.accuracyDotPlot,
                            "Each dot is one job's accuracy on its held-out fold; the bar is the model's mean, the line its interval.")),
                        section("per-class", "F1 per class", figure("per-class-f1", results.perClassF1Chart,
                            "Mean F1 over each model's jobs; the grey line spans the models' range.")),
                        confusionMatrices(results, confusionCells), jobs(results, context), curves(results), dataset(context.dataset),
                        section("configuration", "Configuration", "<pre>\(e(context.configuration))</pre>")]
        let nav = [("comparison", "comparison"), ("scores", "scores"), ("per-class", "per class"), ("confusion-matrices", "confusion"),
                   ("jobs", "jobs"), ("curves", "curves"), ("dataset", "dataset"), ("configuration", "configuration")]
            .map { "<a href=\"#\($0.0)\">\($0.1)</a>" }.joined(separator: " · ")
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(e(results.name)): sweep report</title>
        <style>\(style)</style>
        </head>
        <body>
        <header>
        <h1>Sweep \(e(results.name))</h1>
        <p class="summary">\(summary(results, context))</p>
        <nav>\(nav)</nav>
        </header>
        \(sections.joined(separator: "\n"))
        </body>
        </html>

        """
    }

    private static let style = """
    body{font-family:sans-serif;color:#222;margin:0 auto;padding:0 24px 48px;max-width:1280px;line-height:1.4}
    h1{margin:24px 0 4px}h2{margin-top:36px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{margin:20px 0 8px}
    nav a{color:#0072B2}table{border-collapse:collapse;margin:8px 0;font-size:14px}
    th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f4f4f4}
    td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}tr.failed td{color:#b00020}
    tr.significant td{font-weight:bold}figure{margin:8px 16px 16px 0;display:inline-block;vertical-align:top}
    figure svg{max-width:100%;height:auto;display:block;border:1px solid #eee}figcaption{font-size:13px;color:#555;max-width:640px}
    pre{background:#f7f7f7;padding:12px;overflow-x:auto;font-size:13px}.summary{color:#444}
    """

    private static func summary(_ r: SweepResults, _ c: SweepContext) -> String {
        let finished = r.finishedJobs.count, failed = r.jobs.count - finished
        let models = r.modelNames.count, repeats = r.folds.perRepeat.count, k = Set(r.jobs.map(\.fold)).count
        var parts = ["\(r.jobs.count) jobs (\(models) models × \(repeats > 1 ? "\(repeats) repeats × " : "")\(k) folds): \(finished) finished, \(failed) failed"]
        if let wall = c.wallSeconds { parts.append("wall time \(duration(wall))") }
        if let started = c.started { parts.append("started \(ISO8601DateFormatter().string(from: started))") }
        let workers = Set(c.attempts.values.flatMap { $0.map(\.worker) }).sorted()
        switch c.runner {
        case "local": parts.append("run locally")
        case "cluster": parts.append("ran on a cluster" + (workers.isEmpty ? "" : ": \(workers.count) workers (\(workers.joined(separator: ", ")))"))
        default: parts.append("where it ran was not recorded")
        }
        if let d = c.dataset { parts.append("dataset \(d.files) files, \(d.classes.count) classes, \(d.skipped.count) skipped") }
        return e(parts.joined(separator: "; "))
    }

    private static func comparison(_ r: SweepResults) -> String {
        let metrics = [HeldOutScore.accuracy, .f1Weighted, .f1Macro, .precisionWeighted, .recallWeighted, .valLoss].map(\.rawValue)
        var rows = ["<tr><th>model</th><th>jobs</th><th>accuracy</th><th>accuracy 95 % CI</th>"
                    + metrics.dropFirst().map { "<th>\($0 == HeldOutScore.valLoss.rawValue ? "held-out loss" : $0)</th>" }.joined() + "</tr>"]
        for model in r.modelNames {
            let count = r.finishedJobs.filter { $0.model == model }.count
            guard let m = r.models[model.rawValue] else {
                rows.append("<tr class=\"failed\"><td>\(e(model.rawValue))</td><td class=\"num\">0</td><td colspan=\"\(metrics.count + 1)\">every job failed</td></tr>")
                continue
            }
            let cells = metrics.map { m[$0].map { String(format: "%.4f ± %.4f", $0.mean, $0.std) } ?? "–" }
            let accuracy = m[.accuracy]
            let interval = accuracy?.ci95Low.flatMap { low in accuracy?.ci95High.map { String(format: "[%.4f, %.4f]", low, $0) } } ?? "–"
            rows.append("<tr><td>\(e(model.rawValue))</td><td class=\"num\">\(count)</td><td class=\"num\">\(cells[0])</td><td class=\"num\">\(interval)</td>"
                        + cells.dropFirst().map { "<td class=\"num\">\($0)</td>" }.joined() + "</tr>")
        }
        return section("comparison", "Comparison", "<p>Held-out scores over each model's finished jobs: mean ± sample std, and for accuracy "
                       + "the corrected 95 % interval of the mean.</p><table>\(rows.joined(separator: "\n"))</table>")
    }

    private static func pairedTests(_ r: SweepResults) -> String {
        guard !r.comparisons.isEmpty else {
            return section("paired-tests", "Paired tests", "<p>No pair of models has two or more jobs on the same folds to compare.</p>")
        }
        var rows = ["<tr><th>A</th><th>B</th><th>mean(A − B)</th><th>t</th><th>df</th><th>p</th><th>p (Holm)</th><th>more than noise?</th></tr>"]
        for c in r.comparisons {
            let figures = [String(format: "%+.4f", c.meanDifference), String(format: "%.2f", c.t), String(c.df), String(format: "%.4f", c.p),
                           String(format: "%.4f", c.pHolm)].map { "<td class=\"num\">\($0)</td>" }.joined()
            rows.append("<tr\(c.significant ? " class=\"significant\"" : "")><td>\(e(c.modelA))</td><td>\(e(c.modelB))</td>\(figures)"
                        + "<td>\(c.significant ? "yes (Holm p < 0.05)" : "no")</td></tr>")
        }
        return section("paired-tests", "Paired tests", "<p>Held-out accuracy of each pair over the same jobs: corrected repeated k-fold "
                       + "t-test, two-sided, p Holm-adjusted over all \(r.comparisons.count) pairs.</p><table>\(rows.joined(separator: "\n"))</table>")
    }

    private static func confusionMatrices(_ r: SweepResults, _ cells: ConfusionCells) -> String {
        let figures = r.summedConfusionMatrices.map { model, matrix in
            figure("confusion-\(slug(model))", r.summedConfusionChart(model: model, matrix: matrix, cells: cells),
                   "\(model): every finished job's held-out fold, rows the true class; "
                   + (cells == .shares ? "each cell is its share of the row, its count beneath." : "each cell is its count, shaded by its share of the row."))
        }
        return section("confusion-matrices", "Confusion matrices", figures.isEmpty ? "<p>No finished job.</p>" : figures.joined(separator: "\n"))
    }

    private static func jobs(_ r: SweepResults, _ c: SweepContext) -> String {
        var rows = ["<tr><th>job</th><th>status</th><th>attempts (worker: outcome)</th><th>epochs</th><th>chosen epoch</th><th>seconds</th>"
                    + "<th>accuracy</th><th>f1_weighted</th><th>error</th></tr>"]
        for job in r.jobs {
            let path = r.path(of: job)
            let attempts = (c.attempts[path] ?? []).map { a in
                "\(a.worker): \(a.outcome)" + (a.reason.map { " (\($0))" } ?? "")
            }.joined(separator: "; ")
            let score = { (name: HeldOutScore) in job.metrics[name].map { String(format: "%.4f", $0) } ?? "–" }
            rows.append("<tr\(job.status == .finished ? "" : " class=\"failed\"")><td>\(e(path))</td><td>\(e(job.status.rawValue))</td><td>\(e(attempts))</td>"
                        + "<td class=\"num\">\(job.epochs.count)</td><td class=\"num\">\(job.bestEpoch.map { String($0 + 1) } ?? "–")</td>"
                        + "<td class=\"num\">\(String(format: "%.1f", job.seconds))</td><td class=\"num\">\(score(.accuracy))</td>"
                        + "<td class=\"num\">\(score(.f1Weighted))</td><td>\(e(job.error ?? ""))</td></tr>")
        }
        return section("jobs", "Jobs", "<table>\(rows.joined(separator: "\n"))</table>")
    }

    private static func curves(_ r: SweepResults) -> String {
        let groups = r.modelNames.map { model -> String in
            let figures = r.finishedJobs.filter { $0.model == model && !$0.epochs.isEmpty }.map { job in
                figure("curves-\(slug(r.path(of: job)))", TrainingCurvesChart.svg(history: job.epochs, chosenEpoch: job.bestEpoch, title: r.path(of: job)),
                       "\(r.path(of: job)): loss and accuracy per epoch, the fit part solid, the selection part (when there is one) dashed; "
                       + "the vertical line marks the epoch whose weights were scored.")
            }
            return "<h3>\(e(model.rawValue))</h3>\n" + (figures.isEmpty ? "<p>No finished job.</p>" : figures.joined(separator: "\n"))
        }
        return section("curves", "Training curves", groups.joined(separator: "\n"))
    }

    private static func dataset(_ d: DatasetSummary?) -> String {
        guard let d else { return section("dataset", "Dataset", "<p>Not recorded (this sweep folder has no sweep.json).</p>") }
        let facts = [("source", d.source), ("digest (SHA-256)", d.digest), ("files", "\(d.files)"), ("classes", "\(d.classes.count)"),
                     ("groups", "\(d.groups)"), ("features", "\(d.melBins) mel bins × \(d.frames) frames"),
                     ("metadata columns", d.metadataColumns.isEmpty ? "none" : d.metadataColumns.joined(separator: ", ")),
                     ("skipped files", "\(d.skipped.count)")]
            .map { "<tr><th>\(e($0.0))</th><td>\(e($0.1))</td></tr>" }.joined(separator: "\n")
        let classes = d.classes.map { "<tr><td>\(e($0.name))</td><td class=\"num\">\($0.files)</td></tr>" }.joined(separator: "\n")
        let skipped = d.skipped.isEmpty ? "<p>No file was skipped.</p>"
            : "<h3>Skipped files</h3><ul>" + d.skipped.map { "<li>\(e($0))</li>" }.joined() + "</ul>"
        return section("dataset", "Dataset", "<table>\(facts)</table>\n<h3>Classes</h3><table><tr><th>class</th><th>files</th></tr>\n\(classes)</table>\n\(skipped)")
    }

    private static func section(_ id: String, _ title: String, _ body: String) -> String {
        "<section id=\"\(id)\">\n<h2>\(e(title))</h2>\n\(body)\n</section>"
    }

    private static func figure(_ id: String, _ svg: String, _ caption: String) -> String {
        "<figure id=\"\(id)\">\n\(svg)<figcaption>\(e(caption))</figcaption>\n</figure>"
    }

    /// An id fragment: letters, digits, `-` and `_`; anything else becomes `-`.
    private static func slug(_ s: String) -> String {
        String(s.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") ? $0 : "-" })
    }

    private static func e(_ s: String) -> String { SVGCanvas.escape(s) }

    /// h:mm:ss, or m:ss under an hour.
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
