import Foundation
import TestSupport
import XCTest

/// `spectrofold predict` and `inspect` on a real sweep over the demo's spoken digits (espeak-ng
/// voices with metadata): a job's model reproduces its own held-out predictions, the fold
/// ensemble is the mean of its folds, and damaged or incompatible folders, missing metadata and
/// undecodable files are refused by name.
final class PredictTests: XCTestCase {
    /// One sweep for the whole class: baseline_cnn (reads no metadata) and cnn_mlp (reads the
    /// manifest's speed, pitch, snr_db and voice, and the acoustic descriptors), 2 folds; the
    /// models see 32 frames and the 1 s clips (100 frames) are scored in sliding windows.
    nonisolated(unsafe) private static var directory: TemporaryDirectory!

    override class func setUp() {
        super.setUp()
        directory = try! TemporaryDirectory(prefix: "predict")
        let demo = try! spectrofold(["make-demo-data", "--out", directory.file("data"), "--variants", "1", "--seed", "3"])
        precondition(demo.status == 0, demo.standardError)
        let sweep = try! spectrofold(["sweep", "--local", "--no-tracking", "--data", directory.file("data/manifest.csv"), "--out", directory.file("sweep"),
                                      "--models", "baseline_cnn,cnn_mlp", "--folds", "2", "--epochs", "2", "--set", "features.frames=32",
                                      "--set", "features.max_frames=100", "--set", "evaluation.windows=sliding", "--set", "evaluation.hop_frames=24",
                                      "--set", "trainer.batch_size=16", "--set", "data.group_column=group",
                                      "--set", "data.numeric_metadata=[speed,pitch,snr_db]", "--set", "data.categorical_metadata=[voice]"])
        precondition(sweep.status == 0, sweep.standardOutput + sweep.standardError)
    }

    override class func tearDown() { directory.remove() }

    private static func spectrofold(_ arguments: [String]) throws -> ChildProcess.Result {
        try ChildProcess.run(try BuiltProducts.executable("spectrofold"), arguments: arguments)
    }

    private func spectrofold(_ arguments: String...) throws -> ChildProcess.Result { try Self.spectrofold(arguments) }
    private func file(_ name: String) -> String { Self.directory.file(name) }

    /// A CSV's rows as dictionaries keyed by its header.
    private func rows(_ csv: String) -> [[String: String]] {
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
    }

    private func probabilities(_ row: [String: String]) -> [String: Double] {
        row.filter { $0.key.hasPrefix("p_") }.mapValues { Double($0)! }
    }

    /// The demo manifest cut to the files `paths` names (header kept), beside it in `data/`.
    private func manifest(of paths: Set<String>, dropping column: String? = nil, as name: String) throws -> String {
        let lines = try String(contentsOfFile: file("data/manifest.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        let drop = column.flatMap { header.firstIndex(of: $0) }
        let kept = [lines[0]] + lines.dropFirst().filter { paths.contains(file("data/" + $0.split(separator: ",")[0])) }
        let text = kept.map { line in
            line.split(separator: ",", omittingEmptySubsequences: false).enumerated().filter { $0.offset != drop }.map { String($0.element) }
                .joined(separator: ",")
        }.joined(separator: "\n") + "\n"
        try text.write(toFile: file("data/" + name), atomically: true, encoding: .utf8)
        return file("data/" + name)
    }

    func testPredictingAJobsHeldOutFilesReproducesItsPredictions() throws {
        for (job, manifestSource) in [("cnn_mlp/fold-0", true), ("baseline_cnn/fold-1", false)] {
            let expected = rows(try String(contentsOfFile: file("sweep/\(job)/predictions.csv"), encoding: .utf8))
            let paths = expected.map { $0["path"]! }
            XCTAssertEqual(paths.count, 40, job)
            // cnn_mlp needs its metadata from a manifest; baseline_cnn takes the files themselves.
            let sources = manifestSource ? [try manifest(of: Set(paths), as: "held-out.csv")] : paths
            let run = try Self.spectrofold(["predict", "--job", file("sweep/\(job)")] + sources)
            XCTAssertEqual(run.status, 0, run.standardError)
            let predicted = Dictionary(uniqueKeysWithValues: rows(run.standardOutput).map { ($0["path"]!, $0) })
            XCTAssertEqual(Set(predicted.keys), Set(paths), job)
            for row in expected {
                let got = try XCTUnwrap(predicted[row["path"]!])
                XCTAssertEqual(got["predicted"], row["predicted"], "\(job) \(row["path"]!)")
                let (a, b) = (probabilities(got), probabilities(row))
                XCTAssertEqual(Set(a.keys), Set(b.keys))
                for (name, p) in b { XCTAssertEqual(a[name]!, p, accuracy: 1e-6, "\(job) \(row["path"]!) \(name)") }
            }
        }
    }

    func testTheFoldEnsembleIsTheMeanOfItsFoldModels() throws {
        let clips = file("data/audio/en-us")
        let ensemble = try spectrofold("predict", "--sweep", file("sweep"), "--model", "baseline_cnn", clips, "--out", file("ensemble.csv"))
        XCTAssertEqual(ensemble.status, 0, ensemble.standardError)
        let folds = try (0..<2).map { fold -> [String: [String: Double]] in
            let run = try spectrofold("predict", "--job", file("sweep/baseline_cnn/fold-\(fold)"), clips)
            XCTAssertEqual(run.status, 0, run.standardError)
            return Dictionary(uniqueKeysWithValues: rows(run.standardOutput).map { ($0["path"]!, probabilities($0)) })
        }
        let mean = rows(try String(contentsOfFile: file("ensemble.csv"), encoding: .utf8))
        XCTAssertEqual(mean.count, 10, "one row per digit of the voice")
        var differs = false
        for row in mean {
            let path = row["path"]!
            for (name, p) in probabilities(row) {
                // Each figure is printed to 6 significant digits (at most 5e-7 off for p < 1).
                XCTAssertEqual(p, (folds[0][path]![name]! + folds[1][path]![name]!) / 2, accuracy: 1.5e-6, "\(path) \(name)")
                differs = differs || abs(folds[0][path]![name]! - folds[1][path]![name]!) > 1e-4
            }
            XCTAssertEqual(row["predicted"], probabilities(row).max { $0.value < $1.value }.map { String($0.key.dropFirst(2)) })
        }
        XCTAssertTrue(differs, "the two fold models disagree somewhere, so the mean is a real average")
    }

    /// Each clip is scored in sliding windows (every 24 frames, the last ending at the clip's end)
    /// and its probabilities are their mean.
    func testPerWindowScoresAverageToTheClips() throws {
        let clips = file("data/audio/en-gb")
        let whole = try spectrofold("predict", "--job", file("sweep/baseline_cnn/fold-0"), clips)
        let windows = try spectrofold("predict", "--job", file("sweep/baseline_cnn/fold-0"), clips, "--per-window")
        XCTAssertEqual(whole.status, 0, whole.standardError)
        XCTAssertEqual(windows.status, 0, windows.standardError)
        let byClip = Dictionary(grouping: rows(windows.standardOutput), by: { $0["path"]! })
        XCTAssertEqual(byClip.count, 10)
        for clip in rows(whole.standardOutput) {
            let parts = try XCTUnwrap(byClip[clip["path"]!])
            let length = 98  // frames of a 1 s clip: 1 + (16000 − 400) / 160
            XCTAssertEqual(parts.map { $0["start_s"]! }, ["0.000", "0.240", "0.480", String(format: "%.3f", Double(length - 32) / 100)])
            for (name, p) in probabilities(clip) {
                let mean = parts.map { probabilities($0)[name]! }.reduce(0, +) / Double(parts.count)
                XCTAssertEqual(p, mean, accuracy: 2e-6, "\(clip["path"]!) \(name)")
            }
        }
    }

    func testDamagedAndIncompatibleFoldersAreRefusedNamingFileAndField() throws {
        let clip = file("data/audio/en-us/one_0.wav")
        func copy(_ name: String) throws -> String {
            try? FileManager.default.removeItem(atPath: file(name))
            try FileManager.default.copyItem(atPath: file("sweep/baseline_cnn/fold-0"), toPath: file(name))
            return file(name)
        }
        let damaged = try copy("damaged")
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: damaged + "/state_dict.safetensors"))
        try handle.seek(toOffset: 4000)
        try handle.write(contentsOf: Data([0x42]))
        try handle.close()
        let run = try spectrofold("predict", "--job", damaged, clip)
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.standardError.contains("\(damaged)/state_dict.safetensors: SHA-256"), run.standardError)
        XCTAssertTrue(run.standardError.contains("field 'state_dict.sha256'"), run.standardError)
        XCTAssertEqual(try spectrofold("inspect", damaged).status, 1, "inspect reports the failed check")

        for (field, from, to) in [("model_version", "\"baseline_cnn@1.0.0\"", "\"baseline_cnn@2.0.0\""),
                                  ("format", "\"spectrofold-model/1\"", "\"spectrofold-model/2\"")] {
            let folder = try copy("incompatible-\(field)")
            let card = folder + "/spectrofold-model.json"
            let text = try String(contentsOfFile: card, encoding: .utf8)
            XCTAssertTrue(text.contains(from))
            try text.replacingOccurrences(of: from, with: to).write(toFile: card, atomically: true, encoding: .utf8)
            let refused = try spectrofold("predict", "--job", folder, clip)
            XCTAssertNotEqual(refused.status, 0, field)
            XCTAssertTrue(refused.standardError.contains("\(card): field '\(field)': \(to.replacingOccurrences(of: "\"", with: "'"))"), refused.standardError)
        }
    }

    func testAMissingMetadataColumnIsAnErrorNamingIt() throws {
        let paths = Set(rows(try String(contentsOfFile: file("sweep/cnn_mlp/fold-1/predictions.csv"), encoding: .utf8)).map { $0["path"]! })
        let withoutPitch = try manifest(of: paths, dropping: "pitch", as: "no-pitch.csv")
        let run = try spectrofold("predict", "--job", file("sweep/cnn_mlp/fold-1"), withoutPitch)
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.standardError.contains("\(withoutPitch): column 'pitch': no such column"), run.standardError)
        let files = try spectrofold("predict", "--job", file("sweep/cnn_mlp/fold-1"), file("data/audio/en-us"))
        XCTAssertNotEqual(files.status, 0)
        XCTAssertTrue(files.standardError.contains("column 'speed': the model reads this metadata column"), files.standardError)
    }

    func testAFileThatCannotBeDecodedIsNamedAndTheOthersArePredicted() throws {
        let broken = file("broken.wav")
        try Data("not a wave".utf8).write(to: URL(fileURLWithPath: broken))
        let good = [file("data/audio/en-us/one_0.wav"), file("data/audio/en-us/two_0.wav")]
        let run = try spectrofold("predict", "--job", file("sweep/baseline_cnn/fold-0"), good[0], broken, good[1], "--json")
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.standardError.contains("error: \(broken): cannot decode"), run.standardError)
        XCTAssertTrue(run.standardError.contains("1 of 3 files could not be classified"), run.standardError)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        let predictions = try XCTUnwrap(report["predictions"] as? [[String: Any]])
        XCTAssertEqual(predictions.map { $0["path"] as? String }, good)
        for prediction in predictions {
            let p = try XCTUnwrap(prediction["probabilities"] as? [String: Double])
            XCTAssertEqual(p.count, 10)
            XCTAssertEqual(p.values.reduce(0, +), 1, accuracy: 1e-5)
        }
        XCTAssertEqual((report["failed"] as? [String])?.count, 1)
    }

    func testInspectShowsTheModelForPeopleAndScripts() throws {
        let folder = file("sweep/cnn_mlp/fold-1")
        let text = try spectrofold("inspect", folder)
        XCTAssertEqual(text.status, 0, text.standardError)
        for expected in ["model       cnn_mlp, preset mini, cnn_mlp@1.0.0", "classes     10: eight, five", "windows     32 frames; clips kept up to 100 frames and scored by the mean of sliding windows every 24 frames",
                         "voice=en-us", "check       ok"] {
            XCTAssertTrue(text.standardOutput.contains(expected), "\(expected) in\n\(text.standardOutput)")
        }
        let json = try spectrofold("inspect", folder, "--json")
        let card = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        XCTAssertEqual(card["check"] as? String, "ok")
        XCTAssertEqual(card["job"] as? String, "cnn_mlp/fold-1")
        XCTAssertEqual((card["metadata"] as? [String: Any])?["mean"].map { ($0 as? [Any])?.count }, 18)
        let results = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file("sweep/results.json")))) as? [String: Any])
        let job = try XCTUnwrap((results["jobs"] as? [[String: Any]])?.first { $0["model"] as? String == "cnn_mlp" && $0["fold"] as? Int == 1 })
        let scores = try XCTUnwrap((card["scores"] as? [String: Any])?["mean"] as? [String: Double])
        XCTAssertEqual(scores["accuracy"], (job["metrics"] as? [String: Double])?["accuracy"], "the card's scores are the job's held-out ones")
    }
}
