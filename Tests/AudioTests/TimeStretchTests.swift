import Audio
import XCTest

/// `TimeStretch` against values worked out by hand: frame t of the output is the input at
/// t / β, interpolated linearly, with 0 past the last frame.
final class TimeStretchTests: XCTestCase {
    /// 2 bins × 4 frames; bin 0 holds 10, 20, 30, 40 and bin 1 the same plus 100.
    private func stretched(by factor: Float) -> [Float] {
        var values: [Float] = [10, 20, 30, 40, 110, 120, 130, 140]
        values.withUnsafeMutableBufferPointer { TimeStretch.apply(to: $0, bins: 2, frames: 4, factor: factor) }
        return values
    }

    func testAStretchReadsEachFrameAtItsScaledPosition() {
        // β = 2: positions 0, 0.5, 1, 1.5.
        XCTAssertEqual(stretched(by: 2), [10, 15, 20, 25, 110, 115, 120, 125])
        // β = 0.8: positions 0, 1.25, 2.5, 3.75 (between the last frame and the 0 past it).
        XCTAssertEqual(stretched(by: 0.8), [10, 22.5, 35, 10, 110, 122.5, 135, 35])
        // β = 0.5: positions 0, 2, 4, 6 (past the end).
        XCTAssertEqual(stretched(by: 0.5), [10, 30, 0, 0, 110, 130, 0, 0])
        XCTAssertEqual(stretched(by: 1), [10, 20, 30, 40, 110, 120, 130, 140])
    }
}
