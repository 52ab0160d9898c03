@testable import Checkpoint
import Foundation
import XCTest

/// The ZIP reader on torch's archives (ZIP64 end records, 64-byte aligned entries), Python's
/// (classic end record), and lying or truncated variants of them, which must be errors.
final class ZipArchiveTests: XCTestCase {
    private func bytes(of fixture: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixture.path(fixture))))
    }

    private func archive(_ bytes: [UInt8]) throws -> ZipArchive {
        try ZipArchive(data: Data(bytes), source: "test.zip")
    }

    private func patch(_ bytes: inout [UInt8], at offset: Int, uint32 value: UInt32) {
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }

    private func uint32(_ bytes: [UInt8], at offset: Int) -> Int {
        (0..<4).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
    }

    private func assertFault(_ bytes: [UInt8], _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        assertCheckpointError(try archive(bytes).entries.map { try archive(bytes).contents(of: $0) },
                              source: "test.zip", fragment, file: file, line: line)
    }

    func testTorchArchiveWithZip64EndRecordListsAlignedStoredEntries() throws {
        let data = try bytes(of: "state_dict.pt")
        // torch's writer always ends with a ZIP64 record and locator before the classic record.
        XCTAssertEqual(uint32(data, at: data.count - 22 - 20), 0x0706_4b50)
        let zip = try archive(data)
        XCTAssertEqual(zip.entries.first?.name, "state_dict/data.pkl")
        XCTAssertTrue(zip.entries.contains { $0.name == "state_dict/byteorder" })
        let storages = zip.entries.filter { $0.name.hasPrefix("state_dict/data/") }
        XCTAssertFalse(storages.isEmpty)
        for entry in storages {
            XCTAssertEqual(entry.method, 0, entry.name)
            XCTAssertEqual(entry.dataOffset % 64, 0, "\(entry.name) is 64-byte aligned")
        }
        XCTAssertEqual(String(decoding: try zip.contents(of: zip.entry(named: "state_dict/byteorder")!), as: UTF8.self), "little")
    }

    func testPythonArchiveWithClassicEndRecord() throws {
        let data = try bytes(of: "big_endian.pt")
        XCTAssertNotEqual(uint32(data, at: data.count - 22 - 20), 0x0706_4b50)
        let zip = try archive(data)
        XCTAssertEqual(zip.entries.map(\.name), ["big_endian/data.pkl", "big_endian/byteorder", "big_endian/data/0", "big_endian/version"])
        XCTAssertEqual(try zip.contents(of: zip.entry(named: "big_endian/data/0")!).count, 16)
        XCTAssertNil(zip.entry(named: "big_endian/data/1"))
    }

    func testLyingDirectoryRecordsAreErrors() throws {
        let good = try bytes(of: "big_endian.pt")
        let end = good.count - 22
        let directory = uint32(good, at: end + 16)

        var pastEnd = good
        patch(&pastEnd, at: end + 16, uint32: UInt32(good.count))
        assertFault(pastEnd, "ZIP central directory (offset \(good.count), \(uint32(good, at: end + 12)) bytes) reaches past byte \(end)")

        var tooManyEntries = good
        tooManyEntries[end + 8] = 0xff; tooManyEntries[end + 10] = 0xff
        assertFault(tooManyEntries, "cannot hold the \(0xff + (Int(good[end + 11]) << 8)) entries it claims")

        var hugeEntry = good
        patch(&hugeEntry, at: directory + 20, uint32: 1 << 20)
        patch(&hugeEntry, at: directory + 24, uint32: 1 << 20)
        assertFault(hugeEntry, "ZIP entry 'big_endian/data.pkl' (1048576 bytes from byte")
        assertFault(hugeEntry, "reaches past the central directory at byte \(directory)")

        var wrongLocalHeader = good
        patch(&wrongLocalHeader, at: directory + 42, uint32: 5)
        assertFault(wrongLocalHeader, "ZIP entry 'big_endian/data.pkl' has no local header at byte 5")

        var flippedByte = good
        let zip = try archive(good)
        let storage = zip.entry(named: "big_endian/data/0")!
        flippedByte[storage.dataOffset] ^= 0x40
        XCTAssertThrowsError(try archive(flippedByte).contents(of: storage)) {
            XCTAssertTrue("\($0)".hasPrefix("test.zip: ZIP entry 'big_endian/data/0' fails its CRC-32 check"), "\($0)")
        }
    }

    func testLyingZip64LocatorIsAnError() throws {
        var data = try bytes(of: "state_dict.pt")
        let locator = data.count - 22 - 20
        patch(&data, at: locator + 8, uint32: UInt32(locator - 10))
        assertFault(data, "does not leave room for the record")
    }

    func testNotAZipArchive() {
        assertFault(Array("PK not really".utf8), "shorter than an end-of-central-directory record")
        assertFault([UInt8](repeating: 0x50, count: 100), "no end-of-central-directory record at the end of the 100-byte file")
    }

    /// Every truncation and every single-byte corruption of an archive is read or refused,
    /// never a crash.
    func testEveryTruncationAndCorruptionIsHandled() throws {
        let good = try bytes(of: "big_endian.pt")
        func readAll(_ bytes: [UInt8]) -> Bool {
            guard let zip = try? archive(bytes) else { return false }
            return zip.entries.allSatisfy { (try? zip.contents(of: $0)) != nil }
        }
        for length in 0..<good.count { XCTAssertFalse(readAll(Array(good.prefix(length))), "prefix of \(length) bytes") }
        for offset in good.indices {
            for mask: UInt8 in [0x01, 0x80, 0xff] {
                var corrupt = good
                corrupt[offset] ^= mask
                _ = readAll(corrupt)
            }
        }
    }
}
