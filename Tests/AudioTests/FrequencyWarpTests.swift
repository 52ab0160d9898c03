import Audio
import XCTest

/// `FrequencyWarp` against values worked out by hand: bin b of the output is the input at
/// b / α, interpolated linearly, clamped to the top bin.
final class FrequencyWarpTests: XCTestCase {
    /// 4 bins × 2 frames; bin b holds 10 · b in frame 0 and 100 + 10 · b in frame 1.
    private func stretched(by factor: Float) -> [Float] {
        var values: [Float] = [0, 100, 10, 110, 20, 120, 30, 130]
        values.withUnsafeMutableBufferPointer { FrequencyWarp.apply(to: $0, bins: 4, frames: 2, factor: factor) }
        return values
    }

    func testAStretchReadsEachBinAtItsScaledPosition() {
        // α = 2: positions 0, 0.5, 1, 1.5.
        XCTAssertEqual(stretched(by: 2), [0, 100, 5, 105, 10, 110, 15, 115])
        // α = 0.8: positions 0, 1.25, 2.5, 3.75 (clamped to 3).
        XCTAssertEqual(stretched(by: 0.8), [0, 100, 12.5, 112.5, 25, 125, 30, 130])
        XCTAssertEqual(stretched(by: 1), [0, 100, 10, 110, 20, 120, 30, 130])
    }

    func testTheFactorSpansOneMinusToOnePlusTheLargestWarp() {
        XCTAssertEqual(FrequencyWarp.factor(maxWarp: 0.1, uniform: 0), 0.9, accuracy: 1e-6)
        XCTAssertEqual(FrequencyWarp.factor(maxWarp: 0.1, uniform: 0.5), 1, accuracy: 1e-6)
        XCTAssertEqual(FrequencyWarp.factor(maxWarp: 0.1, uniform: 0.999), 1.0998, accuracy: 1e-6)
    }
}
