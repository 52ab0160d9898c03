import Audio
import XCTest

/// Masks against torchaudio's `mask_along_axis` run with the same uniform draws (fixtures).
final class SpecAugmentTests: XCTestCase {
    func testMaskRangesMatchTorchaudio() throws {
        let (cases, shape) = try Fixture.reference().floats(named: "mask_cases")
        XCTAssertEqual(shape[1], 6)
        XCTAssertGreaterThan(shape[0], 10)
        for row in 0..<shape[0] {
            let c = Array(cases[(row * 6)..<(row * 6 + 6)])
            let range = SpecAugment.maskRange(size: Int(c[0]), param: Int(c[1]), uWidth: c[2], uStart: c[3])
            let expected = Int(c[4])..<Int(c[5])
            // An empty mask is empty wherever it starts.
            XCTAssertEqual(range.isEmpty ? 0..<0 : range, expected, "size \(c[0]) param \(c[1]) u \(c[2]), \(c[3])")
        }
    }

    func testApplyMasksWholeBandsAndFramesOnly() {
        var values = [Float](repeating: 1, count: 8 * 10)
        let augment = SpecAugment(freqMasks: 1, freqMaskParam: 4, timeMasks: 1, timeMaskParam: 5)
        // Frequency mask: width ⌊0.9·4⌋ = 3 at ⌊0.5·(8 − 3.6)⌋ = 2; time mask: ⌊0.5·5⌋ = 2 at ⌊0.1·(10 − 2.5)⌋ = 0.
        var draws: [Float] = [0.9, 0.5, 0.5, 0.1]
        values.withUnsafeMutableBufferPointer { augment.apply(to: $0, bins: 8, frames: 10, maskValue: -1) { draws.removeFirst() } }
        for b in 0..<8 {
            for t in 0..<10 {
                let masked = (2..<5).contains(b) || (0..<2).contains(t)
                XCTAssertEqual(values[b * 10 + t], masked ? -1 : 1, "bin \(b) frame \(t)")
            }
        }
    }
}
