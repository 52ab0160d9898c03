import Cluster
import Data
import Foundation
import Random
import TestSupport
import XCTest

/// Dataset uploads from clients to an in-process coordinator, chunk by chunk, in a fixed order.
final class ClusterUploadTests: XCTestCase {
    private var bed: SweepBed!

    override func setUpWithError() throws { bed = try SweepBed() }
    override func tearDown() { bed.remove() }

    /// Two uploads interleaved chunk by chunk both arrive, verified; a chunk of an upload that
    /// never started, and bytes that do not hash to their digest, are refused by name.
    func testInterleavedUploadsBothArriveAndBadOnesAreRefused() throws {
        var configuration = bed.configuration()
        configuration.chunkBytes = 1024
        let coordinator = try bed.coordinator(configuration)
        defer { coordinator.stop() }
        let client = try ClusterClient(endpoint: coordinator.endpoint, security: nil)
        var random = RandomGenerator(seed: 3)
        let (a, b) = ((0..<3000).map { _ in UInt8(truncatingIfNeeded: random.next()) }, (0..<2500).map { _ in UInt8(truncatingIfNeeded: random.next()) })
        let (digestA, digestB) = (digest(a), digest(b))
        func upload(_ bytes: [UInt8], _ digest: String, _ index: Int) throws -> ClientReply {
            try client.request(.upload(DatasetChunk(digest: digest, chunk: index, chunkCount: 3,
                                                    bytes: Array(bytes[(index * 1024)..<min(bytes.count, (index + 1) * 1024)]))))
        }
        for index in 0..<3 {
            XCTAssertEqual(try upload(a, digestA, index), .uploaded(UploadReceipt(digest: digestA, chunk: index, complete: index == 2)))
            XCTAssertEqual(try upload(b, digestB, index), .uploaded(UploadReceipt(digest: digestB, chunk: index, complete: index == 2)))
        }
        let datasets = try DatasetDirectory(path: bed.datasets.path)
        XCTAssertEqual(datasets.size(of: digestA), 3000)
        XCTAssertEqual(datasets.size(of: digestB), 2500)

        let unknown = String(repeating: "0f", count: 32)
        XCTAssertThrowsError(try upload(a, unknown, 1)) {
            XCTAssertTrue("\($0)".contains("chunk 1 of an upload not in progress (it starts with chunk 0)"), "\($0)")
        }
        for index in 0..<2 { _ = try? upload(a, unknown, index) }
        XCTAssertThrowsError(try upload(a, unknown, 2)) {
            XCTAssertTrue("\($0)".contains("dataset \(unknown) arrived with digest \(digestA)"), "\($0)")
        }
        XCTAssertNil(datasets.size(of: unknown))
    }

    private func digest(_ bytes: [UInt8]) -> String {
        var hash = SHA256()
        bytes.withUnsafeBytes { hash.update($0) }
        return hash.hexDigest
    }
}
