import XCTest
import SafeTensors
import TestSupport

final class SafeTensorsFileTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    private func sampleFile() -> SafeTensorsFile {
        var file = SafeTensorsFile(metadata: ["classes": "[\"yes\",\"no\"]"])
        file["weight"] = SafeTensor(floats: [1.5, -2, 0.25, 3e-8, .infinity, -0.0], shape: [2, 3])
        file["labels"] = SafeTensor(int64s: [0, 1, -7], shape: [3])
        file["empty"] = SafeTensor(floats: [], shape: [0, 4])
        return file
    }

    func testRoundTripKeepsValuesShapesOrderAndMetadata() throws {
        let path = directory.file("a.safetensors")
        try sampleFile().write(to: path)
        let back = try SafeTensorsFile.read(contentsOf: path)
        XCTAssertEqual(back.names, ["weight", "labels", "empty"])
        XCTAssertEqual(back.metadata, ["classes": "[\"yes\",\"no\"]"])
        let weight = try back.floats(named: "weight")
        XCTAssertEqual(weight.shape, [2, 3])
        XCTAssertEqual(weight.values.map(\.bitPattern), [1.5, -2, 0.25, 3e-8, .infinity, -0.0].map { Float($0).bitPattern })
        XCTAssertEqual(try back.int64s(named: "labels").values, [0, 1, -7])
        XCTAssertEqual(try back.tensor(named: "empty").shape, [0, 4])
    }

    func testHeaderIsPaddedToEightBytes() throws {
        let bytes = try sampleFile().encoded()
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual(headerLength % 8, 0)
    }

    func testPythonReadsOurFileAndWeReadPythons() throws {
        let ours = directory.file("ours.safetensors"), theirs = directory.file("theirs.safetensors")
        try sampleFile().write(to: ours)
        let output = try TestPython.run("""
        import sys, json, numpy as np
        from safetensors import safe_open
        from safetensors.numpy import load_file, save_file
        t = load_file(sys.argv[1])
        with safe_open(sys.argv[1], "np") as f: meta = f.metadata()
        print(json.dumps({"weight": t["weight"].tolist()[0], "labels": t["labels"].tolist(), "dtype": str(t["labels"].dtype), "meta": meta}))
        save_file({"x": np.arange(6, dtype=np.float32).reshape(2, 3), "i": np.array([5, -1], dtype=np.int64)}, sys.argv[2], metadata={"k": "v"})
        """, arguments: [ours, theirs])
        let decoded = try JSONSerialization.jsonObject(with: Data(output.utf8)) as! [String: Any]
        XCTAssertEqual(decoded["weight"] as? [Double], [1.5, -2, 0.25])
        XCTAssertEqual(decoded["labels"] as? [Int], [0, 1, -7])
        XCTAssertEqual(decoded["dtype"] as? String, "int64")
        XCTAssertEqual(decoded["meta"] as? [String: String], ["classes": "[\"yes\",\"no\"]"])

        let back = try SafeTensorsFile.read(contentsOf: theirs)
        XCTAssertEqual(try back.floats(named: "x").values, [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(try back.floats(named: "x").shape, [2, 3])
        XCTAssertEqual(try back.int64s(named: "i").values, [5, -1])
        XCTAssertEqual(back.metadata["k"], "v")
    }

    func testMalformedFilesAreRejectedNamingFileAndEntry() throws {
        let good = try sampleFile().encoded()
        let cases: [(String, [UInt8], String)] = [
            ("truncated", Array(good.prefix(good.count - 3)), "outside"),
            ("tiny", [1, 2, 3], "shorter than the 8-byte header length"),
            ("huge-header", [255, 255, 255, 255, 0, 0, 0, 0] + Array(repeating: 0x20, count: 8), "exceeds the file size"),
            ("not-json", [4, 0, 0, 0, 0, 0, 0, 0] + Array("nope".utf8), "not a JSON object"),
        ]
        for (name, bytes, expected) in cases {
            let path = directory.file("\(name).safetensors")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try SafeTensorsFile.read(contentsOf: path), name) { error in
                let text = String(describing: error)
                XCTAssertTrue(text.hasPrefix(path), "\(name): \(text)")
                XCTAssertTrue(text.contains(expected), "\(name): \(text)")
            }
        }
    }

    func testWrongByteCountAndGapsAreRejected() throws {
        func file(header: String, payload: Int) -> [UInt8] {
            var h = Array(header.utf8)
            while h.count % 8 != 0 { h.append(0x20) }
            return (0..<8).map { UInt8(truncatingIfNeeded: h.count >> (8 * $0)) } + h + Array(repeating: 0, count: payload)
        }
        let wrongSize = file(header: #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, payload: 8)
        XCTAssertThrowsError(try SafeTensorsFile.decode(wrongSize, source: "w.st")) {
            XCTAssertTrue(String(describing: $0).contains("'w' holds 8 bytes but F32 [3] needs 12"), "\($0)")
        }
        let gap = file(header: #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[3,5]}}"#, payload: 5)
        XCTAssertThrowsError(try SafeTensorsFile.decode(gap, source: "gap.st")) {
            XCTAssertTrue(String(describing: $0).contains("'b' does not start where the previous one ends"), "\($0)")
        }
    }

    func testMissingTensorAndWrongDtypeNameTheKey() throws {
        let path = directory.file("a.safetensors")
        try sampleFile().write(to: path)
        let back = try SafeTensorsFile.read(contentsOf: path)
        XCTAssertThrowsError(try back.tensor(named: "bias")) {
            XCTAssertEqual(String(describing: $0), "\(path): no tensor named 'bias' (has: weight, labels, empty)")
        }
        XCTAssertThrowsError(try back.floats(named: "labels")) {
            XCTAssertEqual(String(describing: $0), "\(path): 'labels' is I64 [3], expected F32")
        }
    }
}
