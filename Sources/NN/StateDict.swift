import Foundation
import SafeTensors
import Tensor

/// State dicts as safetensors files with PyTorch's keys, dtypes and layouts: every parameter and
/// buffer as F32 under its dotted name, and each batch norm's `num_batches_tracked` as an I64
/// scalar, so that `model.load_state_dict(safetensors.torch.load_file(path), strict=True)` works
/// on the reference module.
public enum StateDict {
    public struct Mismatch: Error, CustomStringConvertible {
        public let description: String
    }

    /// The module's state as a safetensors file (in memory), with `metadata` in its header.
    public static func file(of module: Module, metadata: [String: String] = [:]) -> SafeTensorsFile {
        var file = SafeTensorsFile(metadata: metadata)
        for (name, tensor) in module.namedParameters() + module.namedBuffers() {
            file[name] = SafeTensor(floats: tensor.scalars, shape: tensor.shape)
        }
        for (name, norm) in batchNorms(of: module) {
            file[name] = SafeTensor(int64s: [Int64(norm.batchesTracked)], shape: [])
        }
        return file
    }

    public static func save(_ module: Module, to path: String, metadata: [String: String] = [:]) throws {
        try file(of: module, metadata: metadata).write(to: path)
    }

    /// Loads `file` into `module`, strictly: every key must be present with the right shape and
    /// dtype and no key may be left over. Nothing is changed unless everything fits; the error lists
    /// every missing, unexpected and mis-shaped key.
    public static func load(_ file: SafeTensorsFile, into module: Module) throws {
        let tensors = module.namedParameters() + module.namedBuffers()
        let counters = batchNorms(of: module)
        let expected = Set(tensors.map(\.name) + counters.map(\.name))
        var problems: [String] = []
        let missing = (tensors.map(\.name) + counters.map(\.name)).filter { file[$0] == nil }
        if !missing.isEmpty { problems.append("missing keys: \(missing.joined(separator: ", "))") }
        let unexpected = file.names.filter { !expected.contains($0) }
        if !unexpected.isEmpty { problems.append("unexpected keys: \(unexpected.joined(separator: ", "))") }
        var values: [(Tensor, [Float])] = []
        for (name, tensor) in tensors {
            guard let stored = file[name] else { continue }
            if stored.shape != tensor.shape {
                problems.append("\(name): shape \(stored.shape) in the file, \(tensor.shape) in the model")
            } else if let floats = stored.floats() {
                values.append((tensor, floats))
            } else {
                problems.append("\(name): dtype \(stored.dtype.rawValue), expected F32")
            }
        }
        var tracked: [(BatchNorm2d, Int)] = []
        for (name, norm) in counters {
            guard let stored = file[name] else { continue }
            if let count = stored.int64s(), count.count == 1 {
                tracked.append((norm, Int(count[0])))
            } else {
                problems.append("\(name): expected an I64 scalar, got \(stored.dtype.rawValue) \(stored.shape)")
            }
        }
        guard problems.isEmpty else {
            throw Mismatch(description: "state dict \(file.source) does not fit the model: \(problems.joined(separator: "; "))")
        }
        for (tensor, floats) in values { try tensor.assign(floats) }
        for (norm, count) in tracked { norm.batchesTracked = count }
    }

    public static func load(from path: String, into module: Module) throws {
        try load(SafeTensorsFile.read(contentsOf: path), into: module)
    }

    /// The batch norms of the tree with the key of their counter.
    private static func batchNorms(of module: Module) -> [(name: String, norm: BatchNorm2d)] {
        module.namedModules().compactMap { path, module in
            (module as? BatchNorm2d).map { (path.isEmpty ? "num_batches_tracked" : "\(path).num_batches_tracked", $0) }
        }
    }
}
