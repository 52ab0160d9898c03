import Data
import XCTest

/// FIPS 180-4 example vectors, and a long input fed in uneven pieces.
final class SHA256Tests: XCTestCase {
    func testKnownDigests() {
        func digest(_ text: String) -> String {
            var hash = SHA256()
            hash.update(text)
            return hash.hexDigest
        }
        XCTAssertEqual(digest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testOneMillionAsInPieces() {
        var hash = SHA256()
        var remaining = 1_000_000, piece = 1
        while remaining > 0 {
            let count = min(piece, remaining)
            hash.update([UInt8](repeating: 0x61, count: count))
            remaining -= count
            piece = piece * 3 % 1000 + 1
        }
        XCTAssertEqual(hash.hexDigest, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
