import Config
import Audio
import Data
import Foundation
import XCTest

/// Unusable files in a manifest: skipped and listed, or the first one stops `prepare`.
final class BadInputTests: XCTestCase {
    private var dataset: TestDataset!
    private var manifest: String!

    override func setUpWithError() throws {
        dataset = try TestDataset()
        _ = FileManager.default.createFile(atPath: dataset.directory.file("audio/empty.wav"), contents: Data())
        _ = FileManager.default.createFile(atPath: dataset.directory.file("audio/corrupt.wav"),
                                           contents: Data("RIFF....WAVEfmt garbage that is not a wave file".utf8))
        _ = FileManager.default.createFile(atPath: dataset.directory.file("audio/clip.aac"), contents: Data([1, 2, 3]))
        manifest = try dataset.write(dataset.manifest + """
            audio/empty.wav,low,s1,1,100,en-us
            audio/corrupt.wav,mid,s1,1,100,en-us
            audio/clip.aac,high,s1,1,100,en-us
            audio/missing.wav,high,s1,1,100,en-us

            """, to: "bad.csv")
    }

    override func tearDown() { dataset.directory.remove() }

    private func builder(_ policy: BadFilePolicy) throws -> FeaturePackBuilder {
        FeaturePackBuilder(manifest: try Manifest.load(manifest), parameters: FbankParameters(frames: 20), onBadFile: policy)
    }

    func testSkipLeavesBadFilesOutAndListsEach() throws {
        let out = dataset.directory.file("pack.safetensors")
        let outcome = try builder(.skip).prepare(output: out)
        XCTAssertEqual(outcome.pack.count, 12)
        XCTAssertEqual(outcome.skipped.count, 4)
        let expected = [
            (14, "audio/empty.wav", "cannot decode"), (15, "audio/corrupt.wav", "cannot decode"),
            (16, "audio/clip.aac", "unsupported format '.aac'"), (17, "audio/missing.wav", "no such file"),
        ]
        for (line, (row, file, reason)) in zip(outcome.skipped, expected) {
            XCTAssertTrue(line.hasPrefix("\(manifest!):\(row): \(dataset.directory.file(file)): \(reason)"), line)
        }
        XCTAssertEqual(try FeaturePack.read(contentsOf: out).skipped, outcome.skipped)
    }

    func testStopThrowsTheFirstBadFileAndWritesNothing() throws {
        let out = dataset.directory.file("pack.safetensors")
        XCTAssertThrowsError(try builder(.stop).prepare(output: out)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(manifest!):14: \(dataset.directory.file("audio/empty.wav")): cannot decode"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    func testNonNumericMetadataNamesRowAndColumn() throws {
        let bad = try dataset.write(dataset.manifest.replacingOccurrences(of: ",110,", with: ",fast,"), to: "speed.csv")
        let manifest = try Manifest.load(bad, columns: ManifestColumns(numericMetadata: ["speed"]))
        XCTAssertThrowsError(try FeaturePackBuilder(manifest: manifest, parameters: FbankParameters(frames: 20)).build()) { error in
            XCTAssertEqual("\(error)", "\(bad):3: column 'speed': 'fast' is not a number")
        }
    }

    func testMetadataThatMirrorsTheLabelIsRefused() throws {
        let csv = try dataset.write(dataset.manifest.replacingOccurrences(of: ",en-us", with: ",x").replacingOccurrences(of: ",en-gb", with: ",x")
            .split(separator: "\n").enumerated().map { i, line in i == 0 ? String(line) : line + "-" + line.split(separator: ",")[1] }
            .joined(separator: "\n"), to: "leak.csv")
        let manifest = try Manifest.load(csv, columns: ManifestColumns(categoricalMetadata: ["voice"]))
        XCTAssertThrowsError(try FeaturePackBuilder(manifest: manifest, parameters: FbankParameters(frames: 20)).build()) { error in
            XCTAssertEqual("\(error)", "\(csv): column 'voice': mirrors the label (one value per class); metadata must not carry the label")
        }
    }
}
