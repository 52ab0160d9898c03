import Checkpoint
import FuzzInput

/// Fuzzes the checkpoint reader (`CheckpointFile.read`): the input is a checkpoint file,
/// torch.save's ZIP with its restricted pickle machine or safetensors, told apart by its
/// first bytes as the product does.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let path = FuzzInput.file(named: "model.pt", holding: UnsafeRawBufferPointer(start: data, count: size))
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
