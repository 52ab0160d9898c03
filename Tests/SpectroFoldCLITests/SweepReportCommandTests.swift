import Data
import Foundation
import TestSupport
import XCTest

/// A real local sweep's report: written into the sweep folder with sweep.json, laid out by
/// headless Chromium (report.html and every SVG of the folder, the jobs' own included) with no
/// text outside its picture, and rebuilt by `spectrofold report DIR` byte for byte.
final class SweepReportCommandTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory(prefix: "report-cli") }
    override func tearDown() { directory.remove() }

    private func spectrofold(_ arguments: [String]) throws -> ChildProcess.Result {
        try ChildProcess.run(try BuiltProducts.executable("spectrofold"), arguments: arguments)
    }

    func testALocalSweepWritesAReportThatChromiumLaysOutAndReportRebuildsIt() throws {
        var pack = syntheticPack(count: 32, classes: 3, frames: 16, seed: 5)
        pack.classes = ["low hum", "whistle", "WIDE WORDS"]
        pack.skipped = ["manifest.csv:9: clips/broken.wav: cannot decode (unknown format)"]
        try pack.write(to: directory.file("pack.safetensors"))
        let out = directory.file("out")
        let sweep = try spectrofold(["sweep", "--local", "--no-tracking", "--data", directory.file("pack.safetensors"), "--out", out,
                                     "--models", "baseline_cnn,ast", "--folds", "2", "--epochs", "3", "--set", "trainer.batch_size=8",
                                     "--set", "name=report-cli"])
        XCTAssertEqual(sweep.status, 0, sweep.standardError)

        let report = (out as NSString).appendingPathComponent("report.html")
        let html = try String(contentsOfFile: report, encoding: .utf8)
        XCTAssertTrue(html.contains("4 jobs (2 models × 2 folds): 4 finished, 0 failed"), "summary")
        XCTAssertTrue(html.contains("run locally"))
        XCTAssertTrue(html.contains("<li>manifest.csv:9: clips/broken.wav: cannot decode (unknown format)</li>"), "skipped file with its reason")
        XCTAssertTrue(html.contains("<td>WIDE WORDS</td><td class=\"num\">10</td>"), "class counts")
        XCTAssertTrue(html.contains("baseline_cnn/fold-1</td><td>finished</td><td>local: succeeded"), "the worker of each job")
        let config = try String(contentsOfFile: out + "/config.yaml", encoding: .utf8)
        XCTAssertTrue(config.contains("report-cli") && html.contains("<pre>\(Self.escaped(config))</pre>"), "the resolved configuration")
        let context = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/sweep.json"))) as? [String: Any])
        XCTAssertEqual(context["runner"] as? String, "local")
        XCTAssertGreaterThan(context["wall_seconds"] as? Double ?? 0, 0)

        let page = try BrowserLayout.measure(page: report)
        XCTAssertEqual(page.sectionIDs, ["comparison", "paired-tests", "scores", "per-class", "confusion-matrices", "jobs", "curves", "dataset", "configuration"])
        XCTAssertEqual(page.figureIDs, ["accuracy-dot-plot", "per-class-f1", "confusion-baseline_cnn", "confusion-ast",
                                        "curves-baseline_cnn-fold-0", "curves-baseline_cnn-fold-1", "curves-ast-fold-0", "curves-ast-fold-1"])
        check(page.pictures)

        // Every SVG of the folder, the jobs' curves and confusion matrices included.
        let svgs = FileManager.default.enumerator(atPath: out)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".svg") }.sorted()
        XCTAssertEqual(svgs.count, 4 + 2 * 4, "\(svgs)")
        try BrowserLayout.gallery(of: svgs.map { ($0, (out as NSString).appendingPathComponent($0)) }, writtenTo: directory.file("gallery.html"))
        let gallery = try BrowserLayout.measure(page: directory.file("gallery.html"))
        XCTAssertEqual(gallery.pictures.map(\.name), svgs)
        check(gallery.pictures)

        // `report` rebuilds the same page and charts from results.json and sweep.json.
        let charts = ["report.html", "comparison_accuracy.svg", "per_class_f1.svg", "ast_confusion_matrix_sum.svg"]
        let before = try charts.map { try Data(contentsOf: URL(fileURLWithPath: (out as NSString).appendingPathComponent($0))) }
        for name in charts { try FileManager.default.removeItem(atPath: (out as NSString).appendingPathComponent(name)) }
        let rebuilt = try spectrofold(["report", out])
        XCTAssertEqual(rebuilt.status, 0, rebuilt.standardError)
        XCTAssertTrue(rebuilt.standardOutput.contains("report.html"), rebuilt.standardOutput)
        XCTAssertEqual(try charts.map { try Data(contentsOf: URL(fileURLWithPath: (out as NSString).appendingPathComponent($0))) }, before)

        // Counts instead of row shares in the summed confusion matrices, still inside their pictures.
        let shares = try String(contentsOfFile: out + "/ast_confusion_matrix_sum.svg", encoding: .utf8)
        XCTAssertEqual(try spectrofold(["report", out, "--confusion-cells", "counts"]).status, 0)
        let counts = try String(contentsOfFile: out + "/ast_confusion_matrix_sum.svg", encoding: .utf8)
        let share = try NSRegularExpression(pattern: ">[01]\\.[0-9]{2}</text>")
        func shareCount(_ svg: String) -> Int { share.numberOfMatches(in: svg, range: NSRange(svg.startIndex..., in: svg)) }
        XCTAssertEqual(shareCount(shares), 9, "3 × 3 cells with their share of the row")
        XCTAssertEqual(shareCount(counts), 0)
        try BrowserLayout.gallery(of: ["ast", "baseline_cnn"].map { ($0, "\(out)/\($0)_confusion_matrix_sum.svg") }, writtenTo: directory.file("counts.html"))
        check(try BrowserLayout.measure(page: directory.file("counts.html")).pictures)

        // A folder from before sweep.json: the configuration from config.yaml, the rest said to be missing.
        try FileManager.default.removeItem(atPath: out + "/sweep.json")
        XCTAssertEqual(try spectrofold(["report", out]).status, 0)
        let older = try String(contentsOfFile: report, encoding: .utf8)
        XCTAssertTrue(older.contains("Not recorded (this sweep folder has no sweep.json)"))
        XCTAssertTrue(older.contains("<pre>\(Self.escaped(config))</pre>"))

        let missing = try spectrofold(["report", directory.file("nowhere")])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.standardError.contains("\(directory.file("nowhere")): cannot read results.json"), missing.standardError)
    }

    private static func escaped(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Every picture is drawn at a size, and its texts stay inside it and apart.
    private func check(_ pictures: [BrowserLayout.Picture], file: StaticString = #filePath, line: UInt = #line) {
        for picture in pictures {
            XCTAssertGreaterThan(picture.rendered.width * picture.rendered.height, 100, picture.name, file: file, line: line)
            let outside = picture.textsOutside(), overlaps = picture.overlappingTexts()
            XCTAssertTrue(outside.isEmpty, "\(picture.name): " + outside.map { "'\($0.content)' at \($0.box)" }.joined(separator: "; "), file: file, line: line)
            XCTAssertTrue(overlaps.isEmpty, "\(picture.name): " + overlaps.map { "'\($0.0.content)' over '\($0.1.content)'" }.joined(separator: "; "),
                          file: file, line: line)
        }
    }
}
