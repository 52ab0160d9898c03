import Foundation
import XCTest
import SafeTensors

/// F16, BF16, F64, I16 and I8 tensors written by Python's safetensors (`Fixtures/make_half_fixtures.py`)
/// read back equal, bit for bit, to the values numpy and torch convert them to.
final class HalfPrecisionTests: XCTestCase {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path

    private func fixture(_ name: String) throws -> SafeTensorsFile {
        try SafeTensorsFile.read(contentsOf: Self.fixtures + "/" + name)
    }

    private func assertFloatsEqualBitwise(_ file: SafeTensorsFile, _ name: String, dtype: SafeTensorsDType,
                                          file path: StaticString = #filePath, line: UInt = #line) throws {
        let tensor = try file.tensor(named: name)
        XCTAssertEqual(tensor.dtype, dtype, file: path, line: line)
        let expected = try file.floats(named: "\(name).expected")
        XCTAssertEqual(tensor.shape, expected.shape, file: path, line: line)
        let values = try XCTUnwrap(tensor.floats(), file: path, line: line)
        XCTAssertEqual(values.map(\.bitPattern), expected.values.map(\.bitPattern), "\(name)", file: path, line: line)
    }

    func testHalfSpecialAndRandomValuesEqualNumpysFloat32() throws {
        let file = try fixture("half_numpy.safetensors")
        try assertFloatsEqualBitwise(file, "half", dtype: .float16)
        let half = try XCTUnwrap(file["half"]?.floats())
        XCTAssertEqual(Array(half.prefix(10)), [0, -0.0, 0x1p-24, 0x3ffp-24, -0x1p-24, 0x1p-14, 1, -2, 65504, -65504])
        XCTAssertEqual(half[10], .infinity)
        XCTAssertEqual(half[11], -.infinity)
        XCTAssertTrue(half[12].isNaN && half[13].isNaN && half[14].isNaN && half[14].sign == .minus)
    }

    func testBFloat16EqualsTorchsFloat32() throws {
        let file = try fixture("bfloat16_torch.safetensors")
        try assertFloatsEqualBitwise(file, "bfloat16", dtype: .bfloat16)
        let values = try XCTUnwrap(file["bfloat16"]?.floats())
        XCTAssertEqual(Array(values.prefix(2)).map(\.bitPattern), [0, 0x8000_0000])
        XCTAssertEqual(values[5], 1)
    }

    func testDoubleRoundsToNearestFloat() throws {
        let file = try fixture("half_numpy.safetensors")
        try assertFloatsEqualBitwise(file, "double", dtype: .float64)
    }

    func testSmallIntegersWidenToInt64() throws {
        let file = try fixture("half_numpy.safetensors")
        for name in ["short", "byte"] {
            let tensor = try file.int64s(named: name)
            let expected = try file.int64s(named: "\(name).expected")
            XCTAssertEqual(tensor.values, expected.values, name)
            XCTAssertEqual(tensor.shape, expected.shape, name)
        }
        XCTAssertEqual(file["short"]?.dtype, .int16)
        XCTAssertEqual(file["byte"]?.dtype, .int8)
        XCTAssertEqual(try file.int64s(named: "byte").values, [0, 127, -128, -5])
    }

    /// Every one of the 65 536 half bit patterns against Swift's own Float16 conversion.
    func testEveryHalfBitPatternMatchesFloat16() {
        let bits = (0...UInt16.max).map { $0 }
        let bytes = bits.withUnsafeBytes { [UInt8]($0) }
        let values = SafeTensor(dtype: .float16, shape: [bits.count], bytes: bytes).floats()!
        for (pattern, value) in zip(bits, values) {
            let reference = Float(Float16(bitPattern: pattern))
            if reference.isNaN {
                XCTAssertTrue(value.isNaN && value.sign == reference.sign, "0x\(String(pattern, radix: 16))")
                XCTAssertEqual(value.bitPattern & 0x003f_ffff, UInt32(pattern & 0x1ff) << 13, "payload of 0x\(String(pattern, radix: 16))")
            } else {
                XCTAssertEqual(value.bitPattern, reference.bitPattern, "0x\(String(pattern, radix: 16))")
            }
        }
    }
}
