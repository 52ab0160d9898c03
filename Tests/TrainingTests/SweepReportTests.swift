import Foundation
import ModelNames
import RunRecords
import TestSupport
import Training
import XCTest

/// report.html and the sweep's SVG files laid out by headless Chromium: every section and chart
/// present, and no text outside its picture or over another text, for results built to be hard
/// to lay out (long, wide and non-ASCII class names, four-digit counts, a failed job, a job
/// without a selection part, a learning rate decaying over three orders of magnitude).
final class SweepReportTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory(prefix: "report") }
    override func tearDown() { directory.remove() }

    static let classes = ["dog_bark", "i", "WWWWWWWWWW MMM", "Ünïcödé—Klasse (ß)", "a rather long class name for a sound", "0", "siren", "x-<&>-y"]
    static let models = ModelName.allCases

    /// 4 models × 2 repeats × 3 folds; accuracies between 0.84 and 0.96 (ast lower), ast's
    /// repeat 1 fold 2 failed, cnn_mlp trained without a selection part.
    static func results() -> SweepResults {
        var jobs: [JobOutcome] = []
        let c = classes.count
        for (m, model) in models.enumerated() {
            for r in 0..<2 {
                for fold in 0..<3 {
                    let examples = JobExamples(fit: 1700, selection: 300, test: 1000)
                    var job = JobOutcome.failed(JobKey(model: model, repeat: r, fold: fold), error: "worker-lost: worker w2 silent for 3.6 s",
                                                modelVersion: "\(model)-v1", params: [:], examples: examples)
                    if model == .ast && r == 1 && fold == 2 { jobs.append(job); continue }
                    let accuracy = 0.96 - 0.03 * Double(m) - 0.01 * Double((r * 3 + fold) % 4)
                    job.status = .finished
                    job.error = nil
                    job.metrics = ["accuracy": accuracy, "f1_weighted": accuracy - 0.01, "precision_weighted": accuracy + 0.005,
                                   "recall_weighted": accuracy, "f1_macro": accuracy - 0.02, "precision_macro": accuracy,
                                   "recall_macro": accuracy, "val_loss": 1.2 - accuracy]
                    let epochs = model == .ast ? 60 : 12 + fold
                    job.epochs = (0..<epochs).map { e in
                        let progress = Double(e) / Double(epochs)
                        return EpochRecord(epoch: e, trainLoss: 2.3 * exp(-4 * progress) + 0.02, trainAccuracy: min(0.99, 0.1 + progress),
                                           valLoss: model == .cnnMLP ? nil : 2.4 * exp(-3 * progress) + 0.2 + (e == 5 ? Double.nan : 0),
                                           valAccuracy: model == .cnnMLP ? nil : min(0.95, 0.1 + 0.9 * progress),
                                           learningRate: 1e-3 * pow(0.001, progress), seconds: 2)
                    }
                    job.bestEpoch = model == .cnnMLP ? epochs - 1 : epochs - 3
                    job.seconds = 24.5
                    // About 1700 held-out rows over 8 classes: mostly right, class 2 often taken for class 3.
                    job.confusionMatrix = (0..<c).map { i in (0..<c).map { j in i == j ? (i == 2 ? 60 : 1734 / c) : (i == 2 && j == 3 ? 65 : (i + j) % 3) } }
                    job.perClass = (0..<c).map { i in
                        let f1 = i == 2 ? 0.35 + 0.1 * Double(m) : 0.97 - 0.04 * Double(m) - 0.01 * Double(i)
                        return ClassReport(precision: f1, recall: f1, f1: f1, support: i == 5 && fold == 0 ? 0 : 125)
                    }
                    jobs.append(job)
                }
            }
        }
        return SweepResults(name: "layout-check", classes: classes, jobs: jobs, modelOrder: models, folds: [Array(repeating: 0, count: 3000), Array(repeating: 1, count: 3000)])
    }

    static func context(_ results: SweepResults) -> SweepContext {
        var attempts: [String: [AttemptSummary]] = [:]
        for job in results.jobs {
            let path = job.key.path(repeats: 2)
            attempts[path] = job.status == .finished ? [AttemptSummary(worker: "worker-\(job.fold % 2 + 1)", outcome: "succeeded", seconds: 24.5)]
                : [AttemptSummary(worker: "w2", outcome: "worker-lost", reason: "silent for 3.6 s", seconds: 3.6)]
        }
        return SweepContext(configuration: "name: layout-check\nfolds: {k: 3, repeats: 2}\n", dataset: nil, runner: "cluster",
                            started: Date(timeIntervalSince1970: 1_800_000_000), wallSeconds: 7216, attempts: attempts)
    }

    func testTheReportAndEverySweepChartLayOutInsideTheirPicturesInChromium() throws {
        let results = Self.results()
        let written = try results.write(to: directory.path, context: Self.context(results))
        let report = directory.file("report.html")
        XCTAssertTrue(written.contains(report) && written.contains(directory.file("sweep.json")), "\(written)")

        // Self-contained: no script, nothing fetched, links only within the page.
        let html = try String(contentsOfFile: report, encoding: .utf8)
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains(" src=") || html.contains("<link") || html.contains("url("))
        XCTAssertEqual(html.components(separatedBy: "href=\"").dropFirst().filter { !$0.hasPrefix("#") }, [])
        XCTAssertTrue(html.contains("x-&lt;&amp;&gt;-y"), "class names are escaped")
        XCTAssertTrue(html.contains("wall time 2:00:16; started 2027-01-15T08:00:00Z; ran on a cluster: 3 workers (w2, worker-1, worker-2)"))
        XCTAssertTrue(html.contains("ast/rep-1/fold-2</td><td>failed</td><td>w2: worker-lost (silent for 3.6 s)"))

        let page = try BrowserLayout.measure(page: report)
        XCTAssertEqual(page.sectionIDs, ["comparison", "paired-tests", "scores", "per-class", "confusion-matrices", "jobs", "curves", "dataset", "configuration"])
        let curves = results.jobs.filter { $0.status == .finished }.map { "curves-" + $0.key.path(repeats: 2).replacingOccurrences(of: "/", with: "-") }
        XCTAssertEqual(curves.count, 23)
        XCTAssertEqual(page.figureIDs, ["accuracy-dot-plot", "per-class-f1"] + Self.models.map { "confusion-\($0)" } + curves)
        XCTAssertEqual(page.pictures.map(\.name), page.figureIDs, "one picture per figure")
        check(page.pictures)

        // The dot plot's axis starts near the data (0.84…0.96), not at 0.
        let dotPlot = try XCTUnwrap(page.pictures.first { $0.name == "accuracy-dot-plot" })
        let ticks = dotPlot.texts.compactMap { Double($0.content) }
        XCTAssertGreaterThanOrEqual(ticks.min() ?? 0, 0.7, "\(ticks)")
        // Row shares with counts: class 2's row is 60 right and 65 taken for class 3 in each of 6 jobs.
        let summed = try XCTUnwrap(page.pictures.first { $0.name == "confusion-baseline_cnn" }).texts.map(\.content)
        XCTAssertTrue(summed.contains("360") && summed.contains("390"), "\(summed)")

        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".svg") }.sorted()
        XCTAssertEqual(files, ["ast_confusion_matrix_sum.svg", "baseline_cnn_confusion_matrix_sum.svg", "cnn_attention_confusion_matrix_sum.svg",
                               "cnn_mlp_confusion_matrix_sum.svg", "comparison_accuracy.svg", "per_class_f1.svg"])
        try BrowserLayout.gallery(of: files.map { ($0, directory.file($0)) }, writtenTo: directory.file("gallery.html"))
        let gallery = try BrowserLayout.measure(page: directory.file("gallery.html"))
        XCTAssertEqual(gallery.pictures.map(\.name), files)
        check(gallery.pictures)
    }

    /// Every picture is drawn at a size, and its texts stay inside it and apart.
    private func check(_ pictures: [BrowserLayout.Picture], file: StaticString = #filePath, line: UInt = #line) {
        for picture in pictures {
            XCTAssertGreaterThan(picture.rendered.width * picture.rendered.height, 100, picture.name, file: file, line: line)
            XCTAssertFalse(picture.texts.isEmpty, picture.name, file: file, line: line)
            let outside = picture.textsOutside()
            XCTAssertTrue(outside.isEmpty, "\(picture.name) (view box \(picture.viewBox)): " + outside.map { "'\($0.content)' at \($0.box)" }.joined(separator: "; "),
                          file: file, line: line)
            let overlaps = picture.overlappingTexts()
            XCTAssertTrue(overlaps.isEmpty, "\(picture.name): " + overlaps.map { "'\($0.0.content)' over '\($0.1.content)'" }.joined(separator: "; "),
                          file: file, line: line)
        }
    }
}
