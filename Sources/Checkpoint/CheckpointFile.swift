import Foundation
import SafeTensors

/// A state dict read from a checkpoint file: PyTorch's torch.save format (zip with data.pkl), or
/// safetensors; a folder holding model.safetensors (Hugging Face layout) reads that file.
///
/// A checkpoint is untrusted input and is read natively: nothing in it is ever executed
/// (the pickle reader resolves only the handful of globals state dicts use and refuses any
/// other), and every size and offset is checked against the file before it is used.
///
/// ```swift
/// let checkpoint = try CheckpointFile.read(contentsOf: "resnet18.pt")
/// let weight = checkpoint.tensors["fc.weight"]!.floats()!   // F32, [10, 512] row-major
/// ```
public struct CheckpointFile: Sendable {
    /// How the file stores its tensors.
    public enum Format: String, Sendable {
        /// `torch.save` (torch ≥ 1.6): a ZIP archive with a pickled `data.pkl`.
        case torchZip
        /// safetensors: a JSON header and the raw tensors.
        case safetensors
    }

    /// The path read: the file itself, or for a folder the file in it that was read.
    public let source: String
    public let format: Format
    /// Every tensor by its key, F32 (converted from F16/BF16/F64) or I64 (integer buffers), as SafeTensor.
    /// Keys are as saved, less a `module.` prefix carried by every key (DataParallel).
    public var tensors: [String: SafeTensor]
    /// The keys, sorted.
    public var names: [String] { tensors.keys.sorted() }
    /// The raw `config.json` beside the weights in a folder, checked to be a JSON object.
    public let configData: Data?

    /// A folder's `config.json` (Hugging Face) when present, parsed; nil otherwise.
    public var configJSON: [String: Any]? {
        configData.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    }

    /// File names read in a folder, in the order tried.
    static let folderWeightFiles = ["model.safetensors", "pytorch_model.bin"]

    /// Reads the checkpoint at `path`: a torch.save file, a safetensors file, or a folder
    /// holding one of `folderWeightFiles` (and maybe `config.json`). The format is told by the
    /// file's first bytes, not its name.
    public static func read(contentsOf path: String) throws -> CheckpointFile {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CheckpointError(source: path, fault: "no such file or folder")
        }
        guard isDirectory.boolValue else { return try readFile(path, configData: nil) }

        let folder = URL(fileURLWithPath: path)
        guard let weights = folderWeightFiles.map({ folder.appendingPathComponent($0).path })
            .first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            let sharded = FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors.index.json").path)
            throw CheckpointError(source: path, fault: sharded
                ? "a sharded checkpoint (model.safetensors.index.json), which the reader does not support; merge the shards into model.safetensors"
                : "the folder holds none of \(folderWeightFiles.joined(separator: ", "))")
        }
        let configPath = folder.appendingPathComponent("config.json").path
        let configData = FileManager.default.fileExists(atPath: configPath) ? FileManager.default.contents(atPath: configPath) ?? Data() : nil
        return try read(weightsAt: weights, configData: configData, configSource: configPath)
    }

    /// Reads the weights file at `path` with a Hugging Face `config.json`'s bytes read elsewhere
    /// (`configSource` names them in errors), as a folder would hold them.
    public static func read(weightsAt path: String, configData: Data?, configSource: String) throws -> CheckpointFile {
        if let configData, !((try? JSONSerialization.jsonObject(with: configData)) is [String: Any]) {
            throw CheckpointError(source: configSource, fault: "not a readable JSON object")
        }
        return try readFile(path, configData: configData)
    }

    private static func readFile(_ path: String, configData: Data?) throws -> CheckpointFile {
        let format = try CheckpointFormatSniffer.format(ofFileAt: path)
        let tensors: [String: SafeTensor]
        switch format {
        case .torchZip:
            tensors = try TorchZipReader.stateDict(contentsOf: path)
        case .safetensors:
            do {
                let file = try SafeTensorsFile.read(contentsOf: path)
                tensors = Dictionary(uniqueKeysWithValues: file.names.map { ($0, file[$0]!.widenedForCheckpoint()) })
            } catch let error as SafeTensorsError {
                throw CheckpointError(source: path, fault: error.reason)
            }
        }
        return CheckpointFile(source: path, format: format, tensors: withoutDataParallelPrefix(tensors), configData: configData)
    }

    /// `tensors` with `module.` removed from every key when every key carries it
    /// (a model wrapped in `nn.DataParallel` or `DistributedDataParallel` when saved).
    private static func withoutDataParallelPrefix(_ tensors: [String: SafeTensor]) -> [String: SafeTensor] {
        let prefix = "module."
        guard !tensors.isEmpty, tensors.keys.allSatisfy({ $0.hasPrefix(prefix) }) else { return tensors }
        return Dictionary(uniqueKeysWithValues: tensors.map { (String($0.key.dropFirst(prefix.count)), $0.value) })
    }
}
