import Config
import Audio
import Data
import Foundation
import TestSupport
import XCTest

final class FeaturePackTests: XCTestCase {
    private var dataset: TestDataset!
    private let columns = ManifestColumns(group: "speaker", fold: "fold", numericMetadata: ["speed"], categoricalMetadata: ["voice"])
    private let parameters = FbankParameters(frames: 40)

    override func setUpWithError() throws { dataset = try TestDataset() }
    override func tearDown() { dataset.directory.remove() }

    private func builder(_ source: String? = nil, onBadFile: BadFilePolicy = .skip, parameters: FbankParameters? = nil) throws -> FeaturePackBuilder {
        FeaturePackBuilder(manifest: try Manifest.load(source ?? dataset.manifestPath, columns: columns),
                           parameters: parameters ?? self.parameters, onBadFile: onBadFile, threads: 2)
    }

    func testPackHoldsFeaturesLabelsMetadataGroupsAndFolds() throws {
        let pack = try builder().build()
        XCTAssertEqual(pack.count, 12)
        XCTAssertEqual(pack.features.count, 12 * 128 * 40)
        XCTAssertEqual(pack.classes, ["high", "low", "mid"])
        XCTAssertEqual(pack.labels, [1, 1, 1, 1, 2, 2, 2, 2, 0, 0, 0, 0])
        XCTAssertEqual(pack.groups, [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3])
        XCTAssertEqual(pack.groupNames, ["s0", "s1", "s2", "s3"])
        XCTAssertEqual(pack.folds, [1, 2, 3, 1, 1, 2, 3, 1, 1, 2, 3, 1])
        XCTAssertEqual(pack.metadataColumns.map(\.name), ["speed", "voice=en-gb", "voice=en-us"] + AcousticDescriptors.names.map { "acoustic.\($0)" })
        let k = pack.metadataColumns.count
        XCTAssertEqual(Array(pack.metadata[k..<(k + 3)]), [110, 1, 0])
        // Descriptors of clip 0: 0.5 s of a 200 Hz tone at amplitude 0.3 (RMS 0.3/√2: −13.5 dBFS).
        let descriptors = Dictionary(uniqueKeysWithValues: zip(AcousticDescriptors.names, pack.metadata[3..<k]))
        XCTAssertEqual(descriptors["duration_s"]!, 0.5, accuracy: 1e-6)
        XCTAssertEqual(descriptors["rms_db"]!, -13.46, accuracy: 0.1)
        XCTAssertEqual(descriptors["spectral_centroid_hz"]!, 200, accuracy: 60)

        // Row 0's features are the front end's output for its file.
        let expected = try FrontEnd(parameters: parameters).process(pack.files[0]).features
        XCTAssertEqual(Array(pack.features[0..<pack.featureSize]), expected)
    }

    func testPrepareWritesAPackThatPythonSafetensorsLoads() throws {
        let out = dataset.directory.file("pack.safetensors")
        let outcome = try builder().prepare(output: out)
        XCTAssertFalse(outcome.reused)
        let script = """
        import hashlib, json, sys
        from safetensors import safe_open
        from safetensors.numpy import load_file
        path = sys.argv[1]
        t = load_file(path)
        with safe_open(path, "np") as f:
            meta = f.metadata()
        h = hashlib.sha256()
        for name in ["features", "lengths", "labels", "metadata", "groups", "folds"]:
            h.update(name.encode() + b"\\0")
            h.update(t[name].tobytes())
        for key in sorted(meta):
            if key != "content_digest":
                h.update(key.encode() + b"\\0" + meta[key].encode() + b"\\0")
        print(json.dumps({
            "shapes": {k: list(v.shape) for k, v in t.items()},
            "dtypes": {k: str(v.dtype) for k, v in t.items()},
            "classes": json.loads(meta["classes"]), "files": json.loads(meta["files"]),
            "columns": json.loads(meta["metadata_columns"]), "params": json.loads(meta["features"]),
            "digest_ok": h.hexdigest() == meta["content_digest"],
            "feature_0_5_7": float(t["features"][0, 5, 7]), "labels": t["labels"].tolist(), "lengths": t["lengths"].tolist(),
        }))
        """
        let output = try TestPython.run(script, arguments: [out])
        let report = try JSONSerialization.jsonObject(with: Data(output.utf8)) as! [String: Any]
        let pack = outcome.pack
        XCTAssertEqual(report["shapes"] as? [String: [Int]], ["features": [12, 128, 40], "lengths": [12], "labels": [12], "metadata": [12, 10],
                                                               "groups": [12], "folds": [12]])
        XCTAssertEqual(report["dtypes"] as? [String: String], ["features": "float32", "lengths": "int64", "labels": "int64", "metadata": "float32",
                                                               "groups": "int64", "folds": "int64"])
        XCTAssertEqual(report["lengths"] as? [Int], pack.lengths)
        XCTAssertEqual(report["classes"] as? [String], ["high", "low", "mid"])
        XCTAssertEqual(report["files"] as? [String], pack.files)
        XCTAssertEqual(report["columns"] as? [String], pack.metadataColumns.map(\.name))
        let params = report["params"] as? [String: Any]
        XCTAssertEqual(params?["num_mel_bins"] as? Int, 128)
        XCTAssertEqual(params?["frames"] as? Int, 40)
        XCTAssertEqual(params?["max_frames"] as? Int, 40)
        XCTAssertEqual(params?["window_type"] as? String, "hanning")
        XCTAssertEqual(report["digest_ok"] as? Bool, true)
        XCTAssertEqual(report["feature_0_5_7"] as? Double, Double(pack.features[5 * 40 + 7]))
        XCTAssertEqual(report["labels"] as? [Int], pack.labels)

        let back = try FeaturePack.read(contentsOf: out)
        XCTAssertEqual(back.features, pack.features)
        XCTAssertEqual(back.lengths, pack.lengths)
        XCTAssertEqual(back.metadata, pack.metadata)
        XCTAssertEqual(back.metadataColumns, pack.metadataColumns)
        XCTAssertEqual(back.folds, pack.folds)
        XCTAssertEqual(back.parameters, parameters)
        XCTAssertEqual(back.contentDigest, pack.contentDigest)
    }

    func testPrepareRebuildsOnlyWhenInputsOrParametersChange() throws {
        let out = dataset.directory.file("pack.safetensors")
        XCTAssertFalse(try builder().prepare(output: out).reused)
        XCTAssertTrue(try builder().prepare(output: out).reused)
        XCTAssertFalse(try builder(parameters: FbankParameters(frames: 41)).prepare(output: out).reused)
        XCTAssertTrue(try builder(parameters: FbankParameters(frames: 41)).prepare(output: out).reused)
        // A changed audio file (new content, size and time) means a rebuild.
        try AudioFile.write(MonoAudio(samples: [Float](repeating: 0.1, count: 9000), sampleRate: 16000),
                            to: dataset.directory.file("audio/low/low_1.wav"))
        let rebuilt = try builder(parameters: FbankParameters(frames: 41)).prepare(output: out)
        XCTAssertFalse(rebuilt.reused)
        XCTAssertEqual(rebuilt.pack.metadata[rebuilt.pack.metadataColumns.count + 3], 9000.0 / 16000)
    }

    func testMixedSampleRatesAreResampled() throws {
        let mixed = try TestDataset(perClass: 3, rates: [8000, 22050, 44100])
        defer { mixed.directory.remove() }
        let pack = try FeaturePackBuilder(manifest: try Manifest.load(mixed.manifestPath), parameters: parameters).build()
        XCTAssertEqual(pack.count, 9)
        let duration = pack.metadataColumns.firstIndex { $0.name == "acoustic.duration_s" }!
        for row in 0..<9 { XCTAssertEqual(pack.metadata[row * pack.metadataColumns.count + duration], 0.5, accuracy: 1e-3) }
    }
}
