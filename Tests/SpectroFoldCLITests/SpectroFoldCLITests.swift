import Audio
import Data
import Foundation
import TestSupport
import XCTest

/// The `spectrofold` executable as a user runs it (built beside the test bundle).
final class SpectroFoldCLITests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory(prefix: "cli") }
    override func tearDown() { directory.remove() }

    private var executable: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("spectrofold").path
    }

    private func spectrofold(_ arguments: String...) throws -> ChildProcess.Result {
        try ChildProcess.run(executable, arguments: arguments)
    }

    /// Two classes of three tone clips, plus one corrupt file, listed in `manifest.csv`.
    private func writeDataset() throws -> String {
        var lines = ["path,label,speaker"]
        for (label, hertz) in [("low", 300.0), ("high", 2000.0)] {
            for i in 0..<3 {
                let samples = (0..<8000).map { Float(0.3 * sin(2 * Double.pi * hertz * Double($0) / 16000)) }
                try AudioFile.write(MonoAudio(samples: samples, sampleRate: 16000), to: directory.file("\(label)\(i).wav"))
                lines.append("\(label)\(i).wav,\(label),s\(i)")
            }
        }
        _ = FileManager.default.createFile(atPath: directory.file("broken.wav"), contents: Data("not a wave".utf8))
        lines.append("broken.wav,low,s9")
        let manifest = directory.file("manifest.csv")
        try (lines.joined(separator: "\n") + "\n").write(toFile: manifest, atomically: true, encoding: .utf8)
        return manifest
    }

    func testPrepareReportsProgressAndSkippedFilesThenReusesThePack() throws {
        let manifest = try writeDataset(), pack = directory.file("pack.safetensors")
        let first = try spectrofold("prepare", "--data", manifest, "--out", pack, "--set", "features.frames=30", "--set", "data.group_column=speaker")
        XCTAssertEqual(first.status, 0, first.standardError)
        // Not a terminal: plain progress lines, then the summary and the skipped file with its row.
        XCTAssertTrue(first.standardOutput.contains("prepare: 7/7 100%"), first.standardOutput)
        XCTAssertTrue(first.standardOutput.contains("examples × (128, 30)"), first.standardOutput)
        XCTAssertTrue(first.standardOutput.contains("skipped 1 of 7 files (data.on_error: skip):\n  \(manifest):8: \(directory.file("broken.wav")): cannot decode"),
                      first.standardOutput)
        let written = try FeaturePack.read(contentsOf: pack)
        XCTAssertEqual(written.count, 6)
        XCTAssertEqual(written.groupNames, ["s0", "s1", "s2"])

        let second = try spectrofold("prepare", "--data", manifest, "--out", pack, "--set", "features.frames=30", "--set", "data.group_column=speaker")
        XCTAssertEqual(second.status, 0, second.standardError)
        XCTAssertTrue(second.standardOutput.contains("is up to date"), second.standardOutput)
    }

    func testPrepareStopsAtABadFileWhenConfigured() throws {
        let manifest = try writeDataset(), pack = directory.file("pack.safetensors")
        let result = try spectrofold("prepare", "--data", manifest, "--out", pack, "--set", "data.on_error=stop")
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.standardError.contains("\(manifest):8: \(directory.file("broken.wav")): cannot decode"), result.standardError)
        XCTAssertFalse(FileManager.default.fileExists(atPath: pack))
    }

    func testConfigurationMistakesAreUsageErrorsNamingTheKey() throws {
        let manifest = try writeDataset()
        let result = try spectrofold("prepare", "--data", manifest, "--out", directory.file("p.safetensors"), "--set", "data.on_eror=stop")
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.standardError.contains("data.on_eror: unknown key; did you mean 'data.on_error'?"), result.standardError)
        let missing = try spectrofold("prepare", "--data", directory.file("none.csv"), "--out", directory.file("p.safetensors"))
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.standardError.contains("\(directory.file("none.csv")): no such file or folder"), missing.standardError)
    }

    /// A sweep id given to `submit` names a folder on the coordinator, so one that could leave it is
    /// refused before anything is sent; `--refit` still needs one.
    func testSubmitRefusesASweepIdThatIsNoPlainName() throws {
        for id in ["../elsewhere", ".hidden", "a b", ""] {
            let result = try spectrofold("submit", "--coordinator", "tcp://127.0.0.1:9", "--sweep", id)
            XCTAssertNotEqual(result.status, 0, id)
            XCTAssertTrue(result.standardError.contains("--sweep '\(id)': a sweep id names a folder on the coordinator"), result.standardError)
        }
        let refit = try spectrofold("submit", "--coordinator", "tcp://127.0.0.1:9", "--refit", "--model", "cnn_mlp")
        XCTAssertNotEqual(refit.status, 0)
        XCTAssertTrue(refit.standardError.contains("--refit, --sweep ID and --model NAME go together"), refit.standardError)
    }

    /// `model import` reads a torch.save checkpoint, says what it adapted and started fresh, and
    /// writes a state dict `model forward` loads; a checkpoint that cannot start the model is an
    /// error naming it.
    func testModelImportStartsAModelFromATorchCheckpoint() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("PretrainedTests/Fixtures")
        let out = directory.file("imported.safetensors")
        let run = try spectrofold("model", "import", "--model", "baseline_cnn", "--classes", "5", "--frames", "100",
                                  "--from", fixtures.appendingPathComponent("torchvision-resnet18-w16.pth").path, "--out", out)
        XCTAssertEqual(run.status, 0, run.standardError)
        XCTAssertTrue(run.standardOutput.contains("torchvision_resnet: 119 tensors loaded as they are, 1 adapted, 2 started fresh"), run.standardOutput)
        XCTAssertTrue(run.standardOutput.contains("adapted conv1.weight: summed over its 3 input channels"), run.standardOutput)
        let refused = try spectrofold("model", "import", "--model", "baseline_cnn", "--classes", "5", "--frames", "100",
                                      "--from", fixtures.appendingPathComponent("timm-vit-d64.pth").path, "--out", directory.file("x.safetensors"))
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.standardError.contains("a timm_vit checkpoint starts ast, not baseline_cnn"), refused.standardError)
    }

    func testTheEpochsFlagBeatsAModelsOwnEpochsInTheFile() throws {
        let pack = directory.file("pack.safetensors"), config = directory.file("sweep.yaml"), out = directory.file("out")
        try syntheticPack(count: 24).write(to: pack)
        try "models:\n  ast:\n    trainer: {epochs: 5}\n".write(toFile: config, atomically: true, encoding: .utf8)
        let run = try spectrofold("sweep", "--local", "--no-tracking", "--config", config, "--data", pack, "--models", "ast",
                                  "--folds", "2", "--epochs", "1", "--set", "trainer.batch_size=4", "--out", out)
        XCTAssertEqual(run.status, 0, run.standardError)
        let results = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/results.json"))) as? [String: Any]
        let jobs = try XCTUnwrap(results?["jobs"] as? [[String: Any]])
        XCTAssertEqual(jobs.count, 2)
        XCTAssertEqual(jobs.map { ($0["epochs"] as? [Any])?.count }, [1, 1], "every job trains the flag's single epoch")
    }

    func testMakeDemoDataWritesClipsAndTheManifestTheDemoConfigExpects() throws {
        let out = directory.file("demo")
        let result = try spectrofold("make-demo-data", "--out", out, "--variants", "1", "--seed", "3")
        XCTAssertEqual(result.status, 0, result.standardError)
        let manifestPath = out + "/manifest.csv"
        let table = try CSVTable(contentsOf: manifestPath)
        XCTAssertEqual(table.header, ["path", "label", "group", "voice", "speed", "pitch", "snr_db"])
        // The columns configs/demo.yaml names.
        let manifest = try Manifest.load(manifestPath, columns: ManifestColumns(group: "group", numericMetadata: ["speed", "pitch", "snr_db"],
                                                                                categoricalMetadata: ["voice"]))
        XCTAssertEqual(Set(manifest.classes), ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])
        let voices = Set(manifest.entries.map { $0.group! })
        XCTAssertGreaterThanOrEqual(voices.count, 4)
        XCTAssertEqual(manifest.entries.count, 10 * voices.count)
        for entry in manifest.entries.prefix(12) {
            let audio = try AudioFile.readMono(entry.path)
            XCTAssertEqual(audio.sampleRate, 16000)
            XCTAssertEqual(audio.samples.count, 16000)
            let snr = Double(entry.values["snr_db"]!)!
            XCTAssertTrue((5...30).contains(snr), entry.origin)
            XCTAssertTrue((130...210).contains(Int(entry.values["speed"]!)!), entry.origin)
        }
        // Same seed, same dataset.
        let again = try spectrofold("make-demo-data", "--out", directory.file("demo2"), "--variants", "1", "--seed", "3")
        XCTAssertEqual(again.status, 0, again.standardError)
        XCTAssertEqual(try String(contentsOfFile: directory.file("demo2/manifest.csv"), encoding: .utf8),
                       try String(contentsOfFile: manifestPath, encoding: .utf8))
    }

    /// Sent to a file, what a command prints reaches the file line by line while it runs (a user
    /// watching `spectrofold submit --wait > submit.log`), not only when it exits.
    func testOutputToAFileArrivesWhileTheCommandRuns() throws {
        let logPath = directory.file("status.log")
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        // Nothing listens there: `--watch` prints that there is no answer and goes on trying.
        process.arguments = ["status", "--coordinator", "tcp://127.0.0.1:\(try FreePort.loopback())", "--watch"]
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        let deadline = Date().addingTimeInterval(60)
        var log = ""
        while !log.contains("no answer from the coordinator"), Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
            log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        }
        XCTAssertTrue(log.contains("no answer from the coordinator"), "nothing in the file after 60 s: \(log)")
        XCTAssertTrue(process.isRunning, "the line arrived only when the command exited")
    }
}
