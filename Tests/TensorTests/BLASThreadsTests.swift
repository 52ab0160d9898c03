import XCTest
import Tensor

final class BLASThreadsTests: XCTestCase {
    func testSetAndReadBack() {
        BLASThreads.set(1)
        XCTAssertEqual(BLASThreads.current, 1)
        BLASThreads.set(2)
        XCTAssertEqual(BLASThreads.current, 2)
    }
}
