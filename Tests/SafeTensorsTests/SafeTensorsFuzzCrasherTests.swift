import Foundation
import SafeTensors
import XCTest

/// Files that crashed the reader (`Fixtures/fuzz/`), read through the same entry point as the
/// fuzz target: each is now a `SafeTensorsError` naming the file and the entry.
final class SafeTensorsFuzzCrasherTests: XCTestCase {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/fuzz").path

    private func assertRefused(_ name: String, _ reason: String, file: StaticString = #filePath, line: UInt = #line) {
        let path = Self.fixtures + "/" + name
        XCTAssertThrowsError(try SafeTensorsFile.read(contentsOf: path), name, file: file, line: line) { error in
            XCTAssertEqual(error as? SafeTensorsError, SafeTensorsError(source: path, reason: reason), file: file, line: line)
        }
    }

    /// Dimensions whose running product overflows, though a later one is 0.
    func testShapeWhoseElementCountOverflowsIsRefused() {
        assertRefused("shape-product-overflow.safetensors",
                      "entry 't': the size of F32 [4294967296, 4294967296, 0] overflows a 64-bit count")
    }

    /// Elements that fit an Int but whose bytes (8 each) do not.
    func testShapeWhoseByteCountOverflowsIsRefused() {
        assertRefused("byte-count-overflow.safetensors",
                      "entry 't': the size of F64 [1152921504606846976] overflows a 64-bit count")
    }

    /// An end offset near Int.max, which the bounds check used to add to the buffer's start.
    func testDataOffsetNearIntMaxIsRefused() {
        assertRefused("data-offset-overflow.safetensors",
                      "entry 't' has data_offsets [0, 9223372036854775807] outside the 0-byte buffer")
    }
}
