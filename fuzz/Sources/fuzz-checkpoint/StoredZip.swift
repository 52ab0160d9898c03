/// A ZIP archive of stored (uncompressed) entries with their CRC-32s, as torch.save writes
/// one: how the checkpoint target lets the fuzzer change a pickle or a storage without every
/// change failing the archive's CRC check.
enum StoredZip {
    /// The archive holding `entries` (name, bytes) in order: local headers and data, the
    /// central directory, the end-of-central-directory record. Sizes must fit 32 bits.
    static func archive(_ entries: [(name: String, bytes: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = [], directory: [UInt8] = []
        for (name, bytes) in entries {
            let nameBytes = Array(name.utf8)
            let crc = crc32(bytes)
            let size = UInt32(bytes.count)
            // Local header: signature, version 2.0, flags, method 0 (stored), time, date, CRC, sizes, name length, extra length.
            let localOffset = UInt32(out.count)
            out += le(0x0403_4b50, 4) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(crc, 4) + le(size, 4) + le(size, 4)
                + le(UInt32(nameBytes.count), 2) + le(0, 2) + nameBytes + bytes
            // Central record: as above with the version made by, comment length, disk, attributes and the local header's offset.
            directory += le(0x0201_4b50, 4) + le(20, 2) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(crc, 4) + le(size, 4)
                + le(size, 4) + le(UInt32(nameBytes.count), 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4)
                + le(localOffset, 4) + nameBytes
        }
        let directoryOffset = UInt32(out.count)
        let count = UInt32(entries.count)
        out += directory
        out += le(0x0605_4b50, 4) + le(0, 2) + le(0, 2) + le(count, 2) + le(count, 2)
            + le(UInt32(directory.count), 4) + le(directoryOffset, 4) + le(0, 2)
        return out
    }

    /// The low `width` bytes of `value`, little-endian.
    private static func le(_ value: UInt32, _ width: Int) -> [UInt8] {
        (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    /// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), bit by bit: inputs are small.
    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
