import Checkpoint
import FuzzInput

/// Fuzzes the checkpoint reader (`CheckpointFile.read`): torch.save's ZIP with its restricted
/// pickle machine, or safetensors, told apart by the file's first bytes as the product does.
///
/// Input layout: when byte 0 is 0x01, the rest is the parts of a torch.save archive separated
/// by the 4 bytes FF FE FD FC: `archive/data.pkl`, then `archive/data/0`, `archive/data/1`, …;
/// the target writes them as a stored ZIP with correct CRC-32s, so that changes reach the
/// pickle machine and the tensor views. Any other input is the checkpoint file as it is.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let path: String
    if size >= 1, input[0] == 0x01 {
        let parts = split(Array(input.dropFirst()), separator: [0xFF, 0xFE, 0xFD, 0xFC])
        let entries = [("archive/data.pkl", parts[0])] + parts.dropFirst().enumerated().map { ("archive/data/\($0.offset)", $0.element) }
        let archive = StoredZip.archive(entries.map { (name: $0.0, bytes: $0.1) })
        path = archive.withUnsafeBytes { FuzzInput.file(named: "model.pt", holding: $0) }
    } else {
        path = FuzzInput.file(named: "model.pt", holding: input)
    }
    do {
        let checkpoint = try CheckpointFile.read(contentsOf: path)
        for name in checkpoint.names { _ = checkpoint.tensors[name]!.floats() ?? [] }
    } catch is CheckpointError {
        // The reader's one way to refuse a checkpoint.
    } catch {
        fatalError("reader threw something other than a CheckpointError: \(error)")
    }
    return 0
}

/// `bytes` cut at every occurrence of `separator` (always at least one part).
private func split(_ bytes: [UInt8], separator: [UInt8]) -> [[UInt8]] {
    var parts: [[UInt8]] = [[]]
    var index = 0
    while index < bytes.count {
        if bytes[index...].starts(with: separator) {
            parts.append([])
            index += separator.count
        } else {
            parts[parts.count - 1].append(bytes[index])
            index += 1
        }
    }
    return parts
}
