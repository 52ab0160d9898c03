import Foundation

/// A read-only ZIP archive (PKWARE APPNOTE 6.3), enough for the archives torch.save writes:
/// the central directory (classic or ZIP64) lists the entries, and entries are read only when
/// STORED (uncompressed), which is how torch.save writes every entry. The file is memory-mapped,
/// so a checkpoint of hundreds of MiB is not copied to read one entry.
///
/// The archive is untrusted: every offset and size is checked against the file's length (and
/// each entry's bytes against the start of the central directory) before it is used, each
/// local header must name the entry its directory record names, and a stored entry's CRC-32
/// must match. A truncated or lying archive is a `CheckpointError`, never a crash.
struct ZipArchive {
    /// One file of the archive, as its central-directory record describes it.
    struct Entry {
        /// The path inside the archive, e.g. `archive/data/0`.
        let name: String
        /// Compression method: 0 stored, 8 deflate, … (APPNOTE 4.4.5).
        let method: UInt16
        /// General-purpose flags; bit 0 marks an encrypted entry.
        let flags: UInt16
        let crc32: UInt32
        /// Sizes in bytes, compressed (as stored) and uncompressed.
        let compressedSize: Int
        let uncompressedSize: Int
        /// Where the entry's stored bytes begin, in bytes from the start of the file.
        let dataOffset: Int
    }

    /// The path read, named in errors.
    let source: String
    /// The entries in central-directory order.
    let entries: [Entry]
    private let data: Data
    private let entryIndex: [String: Int]

    private static let endOfCentralDirectorySignature: UInt32 = 0x0605_4b50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4b50
    private static let zip64EndOfCentralDirectorySignature: UInt32 = 0x0606_4b50
    private static let centralHeaderSignature: UInt32 = 0x0201_4b50
    private static let localHeaderSignature: UInt32 = 0x0403_4b50
    private static let zip64ExtraFieldID: UInt16 = 0x0001

    /// Maps the file at `path` and reads its central directory.
    init(contentsOf path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw CheckpointError(source: path, fault: "cannot read the file: \(error.localizedDescription)")
        }
        try self.init(data: data, source: path)
    }

    /// Reads the central directory of an archive held in `data`; `source` names it in errors.
    init(data: Data, source: String) throws {
        self.source = source
        self.data = data
        let bytes = FieldReader(data: data, source: source)
        let directory = try Self.locateCentralDirectory(bytes)
        var entries: [Entry] = []
        var index: [String: Int] = [:]
        var cursor = directory.offset
        for number in 0..<directory.entryCount {
            let entry = try Self.readCentralRecord(bytes, at: &cursor, number: number, directory: directory)
            guard index[entry.name] == nil else { throw bytes.fault("ZIP entry '\(entry.name)' appears twice") }
            index[entry.name] = entries.count
            entries.append(entry)
        }
        self.entries = entries
        self.entryIndex = index
    }

    /// The entry named `name`, if the archive has one.
    func entry(named name: String) -> Entry? {
        entryIndex[name].map { entries[$0] }
    }

    /// Calls `body` with the bytes of a stored entry, checked against its CRC-32. A compressed
    /// or encrypted entry is an error naming the entry and the method.
    func withContents<Result>(of entry: Entry, _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result {
        let fail = { (fault: String) in CheckpointError(source: source, fault: fault) }
        guard entry.flags & 1 == 0 else { throw fail("ZIP entry '\(entry.name)' is encrypted; only unencrypted stored entries are read") }
        guard entry.method == 0 else {
            throw fail("ZIP entry '\(entry.name)' is compressed with method \(entry.method) (\(Self.methodName(entry.method))); only stored (uncompressed) entries are read, as torch.save writes them")
        }
        guard entry.compressedSize == entry.uncompressedSize else {
            throw fail("ZIP entry '\(entry.name)' is stored but its sizes differ (\(entry.compressedSize) stored, \(entry.uncompressedSize) uncompressed)")
        }
        return try data.withUnsafeBytes { raw in
            let contents = UnsafeRawBufferPointer(rebasing: raw[entry.dataOffset..<(entry.dataOffset + entry.compressedSize)])
            let crc = ZipCRC32.checksum(contents)
            guard crc == entry.crc32 else {
                throw fail("ZIP entry '\(entry.name)' fails its CRC-32 check (stored 0x\(String(entry.crc32, radix: 16)), computed 0x\(String(crc, radix: 16))): the file is corrupt")
            }
            return try body(contents)
        }
    }

    /// The bytes of a stored entry (for small entries such as `data.pkl`).
    func contents(of entry: Entry) throws -> [UInt8] {
        try withContents(of: entry) { [UInt8]($0) }
    }

    // MARK: - Central directory

    /// Where the central directory lies and how many records it holds.
    private struct CentralDirectory {
        let offset: Int
        let size: Int
        let entryCount: Int
        /// Where the end records begin: entries' bytes and the directory must lie before it.
        let end: Int
    }

    /// Finds the end-of-central-directory record (its comment must reach exactly to the end of
    /// the file) and, when a ZIP64 locator precedes it, the ZIP64 record whose sizes and offsets
    /// replace the 16- and 32-bit ones.
    private static func locateCentralDirectory(_ bytes: FieldReader) throws -> CentralDirectory {
        let count = bytes.count
        guard count >= 22 else { throw bytes.fault("not a ZIP archive: \(count) bytes, shorter than an end-of-central-directory record") }
        var recordOffset: Int?
        for candidate in stride(from: count - 22, through: max(0, count - 22 - 0xffff), by: -1) {
            if try bytes.uint32(at: candidate) == endOfCentralDirectorySignature,
               try candidate + 22 + Int(bytes.uint16(at: candidate + 20)) == count {
                recordOffset = candidate
                break
            }
        }
        guard let end = recordOffset else {
            throw bytes.fault("not a ZIP archive, or a truncated one: no end-of-central-directory record at the end of the \(count)-byte file")
        }
        var disk = Int(try bytes.uint16(at: end + 4)), directoryDisk = Int(try bytes.uint16(at: end + 6))
        var entriesOnDisk = Int(try bytes.uint16(at: end + 8)), entryCount = Int(try bytes.uint16(at: end + 10))
        var size = Int(try bytes.uint32(at: end + 12)), offset = Int(try bytes.uint32(at: end + 16))
        var endOfEntries = end

        let locator = end - 20
        if locator >= 0, try bytes.uint32(at: locator) == zip64LocatorSignature {
            let record = try bytes.offset(at: locator + 8, "ZIP64 end-of-central-directory offset")
            guard record <= locator - 56 else {
                throw bytes.fault("ZIP64 end-of-central-directory record offset \(record) does not leave room for the record before byte \(locator)")
            }
            guard try bytes.uint32(at: record) == zip64EndOfCentralDirectorySignature else {
                throw bytes.fault("no ZIP64 end-of-central-directory record at byte \(record), where its locator points")
            }
            disk = Int(try bytes.uint32(at: record + 16))
            directoryDisk = Int(try bytes.uint32(at: record + 20))
            entriesOnDisk = try bytes.offset(at: record + 24, "ZIP64 entry count")
            entryCount = try bytes.offset(at: record + 32, "ZIP64 entry count")
            size = try bytes.offset(at: record + 40, "ZIP64 central directory size")
            offset = try bytes.offset(at: record + 48, "ZIP64 central directory offset")
            endOfEntries = record
        }
        guard disk == 0, directoryDisk == 0, entriesOnDisk == entryCount else {
            throw bytes.fault("multi-disk (split) ZIP archives are not supported")
        }
        guard offset <= endOfEntries, size <= endOfEntries - offset else {
            throw bytes.fault("ZIP central directory (offset \(offset), \(size) bytes) reaches past byte \(endOfEntries), where the end records begin: truncated or corrupt archive")
        }
        guard entryCount <= size / 46 else {
            throw bytes.fault("ZIP central directory of \(size) bytes cannot hold the \(entryCount) entries it claims")
        }
        return CentralDirectory(offset: offset, size: size, entryCount: entryCount, end: endOfEntries)
    }

    /// Reads the central-directory record at `cursor` (advancing it) and checks the entry's
    /// local header and byte range.
    private static func readCentralRecord(_ bytes: FieldReader, at cursor: inout Int, number: Int,
                                          directory: CentralDirectory) throws -> Entry {
        let directoryEnd = directory.offset + directory.size
        let start = cursor
        guard start + 46 <= directoryEnd, try bytes.uint32(at: start) == centralHeaderSignature else {
            throw bytes.fault("ZIP central directory record \(number) at byte \(start) is missing or malformed")
        }
        let nameLength = Int(try bytes.uint16(at: start + 28))
        let extraLength = Int(try bytes.uint16(at: start + 30))
        let commentLength = Int(try bytes.uint16(at: start + 32))
        cursor = start + 46 + nameLength + extraLength + commentLength
        guard cursor <= directoryEnd else {
            throw bytes.fault("ZIP central directory record \(number) at byte \(start) reaches past the directory's end (byte \(directoryEnd))")
        }
        let name = String(decoding: try bytes.slice(start + 46, nameLength), as: UTF8.self)

        var compressedSize = Int(try bytes.uint32(at: start + 20))
        var uncompressedSize = Int(try bytes.uint32(at: start + 24))
        var localHeaderOffset = Int(try bytes.uint32(at: start + 42))
        // ZIP64 extended information: the 64-bit values, in this order, of only those fields saturated at 0xFFFFFFFF.
        var extra = start + 46 + nameLength
        let extraEnd = extra + extraLength
        while extra + 4 <= extraEnd {
            let id = try bytes.uint16(at: extra), length = Int(try bytes.uint16(at: extra + 2))
            guard extra + 4 + length <= extraEnd else { throw bytes.fault("ZIP entry '\(name)' has a malformed extra field") }
            if id == zip64ExtraFieldID {
                var field = extra + 4
                func next() throws -> Int {
                    guard field + 8 <= extra + 4 + length else { throw bytes.fault("ZIP entry '\(name)' has a short ZIP64 extra field") }
                    defer { field += 8 }
                    return try bytes.offset(at: field, "ZIP64 size of '\(name)'")
                }
                if uncompressedSize == 0xffff_ffff { uncompressedSize = try next() }
                if compressedSize == 0xffff_ffff { compressedSize = try next() }
                if localHeaderOffset == 0xffff_ffff { localHeaderOffset = try next() }
            }
            extra += 4 + length
        }

        // The local header: its name must be the directory's, and the bytes after it must end before the directory.
        guard localHeaderOffset <= directory.offset - 30,
              try bytes.uint32(at: localHeaderOffset) == localHeaderSignature else {
            throw bytes.fault("ZIP entry '\(name)' has no local header at byte \(localHeaderOffset)")
        }
        let localNameLength = Int(try bytes.uint16(at: localHeaderOffset + 26))
        let localExtraLength = Int(try bytes.uint16(at: localHeaderOffset + 28))
        let dataOffset = localHeaderOffset + 30 + localNameLength + localExtraLength
        guard dataOffset <= directory.offset, compressedSize <= directory.offset - dataOffset else {
            throw bytes.fault("ZIP entry '\(name)' (\(compressedSize) bytes from byte \(dataOffset)) reaches past the central directory at byte \(directory.offset): truncated or corrupt archive")
        }
        guard try bytes.slice(localHeaderOffset + 30, localNameLength).elementsEqual(try bytes.slice(start + 46, nameLength)) else {
            throw bytes.fault("ZIP entry '\(name)': its local header names a different file")
        }
        return Entry(name: name, method: try bytes.uint16(at: start + 10), flags: try bytes.uint16(at: start + 8),
                     crc32: try bytes.uint32(at: start + 16), compressedSize: compressedSize,
                     uncompressedSize: uncompressedSize, dataOffset: dataOffset)
    }

    private static func methodName(_ method: UInt16) -> String {
        switch method {
        case 8: return "deflate"
        case 9: return "deflate64"
        case 12: return "bzip2"
        case 14: return "LZMA"
        case 93: return "zstd"
        case 95: return "xz"
        case 99: return "AES encryption"
        default: return "unknown"
        }
    }
}

/// Bounds-checked little-endian fields of the archive's bytes; a read past the end is a
/// `CheckpointError`.
private struct FieldReader {
    let data: Data
    let source: String

    var count: Int { data.count }

    func fault(_ text: String) -> CheckpointError { CheckpointError(source: source, fault: text) }

    func uint16(at offset: Int) throws -> UInt16 { UInt16(littleEndian: try load(at: offset)) }
    func uint32(at offset: Int) throws -> UInt32 { UInt32(littleEndian: try load(at: offset)) }

    /// A 64-bit offset or size, which must fit the file to be meaningful.
    func offset(at position: Int, _ what: String) throws -> Int {
        let value = UInt64(littleEndian: try load(at: position))
        guard value <= UInt64(count) else { throw fault("\(what) \(value) exceeds the \(count)-byte file") }
        return Int(value)
    }

    /// `length` bytes from `offset`.
    func slice(_ offset: Int, _ length: Int) throws -> [UInt8] {
        guard offset >= 0, length >= 0, offset <= count - length else {
            throw fault("ZIP structure at byte \(offset) (\(length) bytes) reaches past the end of the \(count)-byte file")
        }
        return data.withUnsafeBytes { [UInt8]($0[offset..<(offset + length)]) }
    }

    private func load<T: FixedWidthInteger>(at offset: Int) throws -> T {
        let size = MemoryLayout<T>.size
        guard offset >= 0, offset <= count - size else {
            throw fault("ZIP structure at byte \(offset) reaches past the end of the \(count)-byte file: truncated archive")
        }
        return data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
    }
}
