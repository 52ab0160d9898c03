import Foundation

/// Tells a checkpoint's format from its first bytes, whatever the file is called:
/// a ZIP local-file or end-of-directory signature (`PK\u{3}\u{4}`, `PK\u{5}\u{6}`) is torch.save;
/// an 8-byte little-endian length followed by `{` is safetensors. The legacy torch.save format
/// (a bare pickle, torch < 1.6) and anything else are errors saying what the file looks like.
enum CheckpointFormatSniffer {
    static func format(ofFileAt path: String) throws -> CheckpointFile.Format {
        let fail = { (fault: String) in CheckpointError(source: path, fault: fault) }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw fail("cannot open the file for reading") }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 16)) ?? Data())
        guard !head.isEmpty else { throw fail("the file is empty") }

        if head.starts(with: [0x50, 0x4b, 0x03, 0x04]) || head.starts(with: [0x50, 0x4b, 0x05, 0x06]) {
            return .torchZip
        }
        if head.count > 8, head[8] == UInt8(ascii: "{") {
            return .safetensors
        }
        // torch < 1.6 pickled a magic number first: PROTO 2, LONG1 of 10 bytes.
        if head.starts(with: [0x80, 0x02, 0x8a, 0x0a]) {
            throw fail("a torch.save file in the legacy format of torch < 1.6 (no ZIP archive), which the reader does not support; re-save it with a current torch")
        }
        let shown = head.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
        throw fail("neither a torch.save archive (ZIP) nor a safetensors file: it starts with bytes \(shown)")
    }
}
