import Cluster
import Foundation
import TestSupport
import XCTest

final class SHA256Tests: XCTestCase {
    /// FIPS 180-4 example vectors.
    func testStandardVectors() {
        XCTAssertEqual(SHA256.hexDigest(of: Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hexDigest(of: [UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hexDigest(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    /// Against coreutils' sha256sum on a file, hashed in uneven pieces.
    func testMatchesSha256sumOnAFileFedInPieces() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var random = SplitMix64(seed: 42)
        let bytes = random.bytes(count: 200_003)
        let path = directory.file("data.bin")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let expected = try ChildProcess.run("/usr/bin/sha256sum", arguments: [path]).standardOutput.prefix(64)
        var hash = SHA256()
        var offset = 0
        for size in [1, 63, 64, 65, 1000, 4096] + Array(repeating: 50_000, count: 4) {
            let end = min(offset + size, bytes.count)
            hash.update(bytes[offset..<end])
            offset = end
        }
        hash.update(bytes[offset...])
        XCTAssertEqual(hash.finalizeHex(), String(expected))
    }
}
