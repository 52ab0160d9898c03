import Checkpoint
import Foundation
import SafeTensors
import XCTest

/// The committed files of `Fixtures/` (made by `Fixtures/make_checkpoint_fixtures.py`).
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path

    static func path(_ name: String) -> String { directory + "/" + name }

    /// `expected.safetensors`: "<fixture>/<key>" → the tensor as torch converts it (F32 or I64).
    static let expected: SafeTensorsFile = try! SafeTensorsFile.read(contentsOf: path("expected.safetensors"))

    /// The expected tensors of one fixture, by key.
    static func expectedTensors(of fixture: String) -> [String: SafeTensor] {
        let prefix = fixture + "/"
        return Dictionary(uniqueKeysWithValues: expected.names.filter { $0.hasPrefix(prefix) }
            .map { (String($0.dropFirst(prefix.count)), expected[$0]!) })
    }
}

/// Asserts that `actual` holds exactly the keys of `expected`, each with the same dtype, shape
/// and bytes (so F32 values are compared bit for bit, NaN payloads and signed zeros included).
func assertTensorsEqual(_ actual: [String: SafeTensor], _ expected: [String: SafeTensor],
                        file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertFalse(expected.isEmpty, "no expected tensors", file: file, line: line)
    XCTAssertEqual(actual.keys.sorted(), expected.keys.sorted(), file: file, line: line)
    for (key, want) in expected {
        guard let got = actual[key] else { continue }
        XCTAssertEqual(got.dtype, want.dtype, "dtype of \(key)", file: file, line: line)
        XCTAssertEqual(got.shape, want.shape, "shape of \(key)", file: file, line: line)
        XCTAssertEqual(got.bytes, want.bytes, "values of \(key)", file: file, line: line)
    }
}

/// Asserts that `body` throws a `CheckpointError` whose description is "`source`: `fault`" with
/// `fault` containing every one of `fragments`.
func assertCheckpointError<T>(_ body: @autoclosure () throws -> T, source: String, _ fragments: String...,
                              file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
        guard let error = error as? CheckpointError else {
            return XCTFail("not a CheckpointError: \(error)", file: file, line: line)
        }
        XCTAssertEqual(error.source, source, file: file, line: line)
        XCTAssertTrue(error.description.hasPrefix("\(source): "), error.description, file: file, line: line)
        for fragment in fragments {
            XCTAssertTrue(error.fault.contains(fragment), "'\(error.fault)' lacks '\(fragment)'", file: file, line: line)
        }
    }
}
