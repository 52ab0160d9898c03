import Checkpoint
import ModelNames
import NN
import SafeTensors

/// What an import did: every tensor of the model was loaded as it was, adapted (how), or
/// started fresh; source tensors left out are listed too.
public struct ImportReport: CustomStringConvertible, Sendable {
    public let layout: CheckpointLayout
    public let loaded: [String]
    public let adapted: [(key: String, how: String)]
    public let fresh: [String]
    public let ignored: [String]

    public var description: String {
        var lines = ["\(layout.rawValue): \(loaded.count) tensors loaded as they are, \(adapted.count) adapted, \(fresh.count) started fresh"]
        lines += adapted.map { "  adapted \($0.key): \($0.how)" }
        if !fresh.isEmpty { lines.append("  fresh: " + fresh.joined(separator: ", ")) }
        if !ignored.isEmpty { lines.append("  left out of the checkpoint: " + ignored.joined(separator: ", ")) }
        return lines.joined(separator: "\n")
    }
}

/// Starts a model from a pretrained checkpoint (`CheckpointLayout`), with the source's own
/// adaptation rules. Tensors the layout never has start fresh (CBAM gates, the metadata MLP and
/// fused head of `cnn_mlp`); a classifier head whose class count differs starts fresh; anything
/// else missing, left over or mis-shaped is an error listing every such tensor, and the model is
/// then left as it was.
public enum PretrainedImport {
    @discardableResult
    public static func start(_ model: any SpectrogramClassifier, modelName: ModelName, from source: [String: SafeTensor],
                             layout: CheckpointLayout, sourceGrid: (rows: Int, columns: Int)? = nil) throws -> ImportReport {
        guard layout.models.contains(modelName) else {
            throw ImportError("a \(layout.rawValue) checkpoint starts \(layout.models.map(\.rawValue).joined(separator: " or ")), not \(modelName)")
        }
        let mapping = try CheckpointMapping(source, layout: layout, model: model, modelName: modelName, sourceGrid: sourceGrid)
        var file = StateDict.file(of: model)
        var (loaded, fresh, problems) = ([String](), [String](), [String]())
        var ignored = mapping.ignored
        for name in file.names {
            let target = file[name]!
            guard let tensor = mapping.tensors[name] else {
                if startsFresh(name, modelName: modelName) { fresh.append(name) } else { problems.append("missing \(name) \(target.shape)") }
                continue
            }
            if tensor.shape != target.shape {
                if isHead(name, modelName: modelName) {
                    fresh.append(name)
                    ignored.append("\(name) \(tensor.shape) (the model has \(target.shape))")
                } else {
                    problems.append("\(name): \(tensor.shape) in the checkpoint, \(target.shape) in the model")
                }
                continue
            }
            if target.dtype == .int64 {
                guard let count = tensor.int64s() ?? tensor.floats()?.map({ Int64($0) }) else { problems.append("\(name): not a number"); continue }
                file[name] = SafeTensor(int64s: count, shape: target.shape)
            } else {
                guard let values = tensor.floats() else { problems.append("\(name): dtype \(tensor.dtype.rawValue), expected a float"); continue }
                file[name] = SafeTensor(floats: values, shape: target.shape)
            }
            if mapping.adapted[name] == nil { loaded.append(name) }
        }
        let unexpected = mapping.tensors.keys.filter { file[$0] == nil }.sorted()
        problems += unexpected.map { "unexpected \($0) \(mapping.tensors[$0]!.shape)" }
        guard problems.isEmpty else {
            throw ImportError("the \(layout.rawValue) checkpoint does not fit \(modelName): " + problems.joined(separator: "; "))
        }
        try StateDict.load(file, into: model)
        return ImportReport(layout: layout, loaded: loaded, adapted: mapping.adapted.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                            fresh: fresh, ignored: ignored.sorted())
    }

    /// Starts `model` from `checkpoint`, in `layout` or, when nil, the layout its keys show; a
    /// Hugging Face folder's `config.json` gives the source's patch grid.
    @discardableResult
    public static func start(_ model: any SpectrogramClassifier, modelName: ModelName, from checkpoint: CheckpointFile,
                             layout named: CheckpointLayout? = nil) throws -> ImportReport {
        guard let layout = named ?? CheckpointLayout.detect(Set(checkpoint.names)) else {
            throw ImportError("\(checkpoint.source): no known checkpoint layout fits its keys (known: "
                              + CheckpointLayout.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        return try start(model, modelName: modelName, from: checkpoint.tensors, layout: layout, sourceGrid: huggingFaceGrid(checkpoint.configJSON))
    }

    /// The frequency × time patch grid a Hugging Face AST `config.json` describes (16 × 16 patches).
    private static func huggingFaceGrid(_ config: [String: Any]?) -> (rows: Int, columns: Int)? {
        guard let config, let bins = config["num_mel_bins"] as? Int, let length = config["max_length"] as? Int,
              let frequencyStride = config["frequency_stride"] as? Int, let timeStride = config["time_stride"] as? Int,
              frequencyStride > 0, timeStride > 0 else { return nil }
        return ((bins - 16) / frequencyStride + 1, (length - 16) / timeStride + 1)
    }

    /// Tensors no checkpoint of these layouts holds: they keep their fresh initialisation.
    private static func startsFresh(_ name: String, modelName: ModelName) -> Bool {
        name.contains(".cbam.") || (modelName == .cnnMLP && (name.hasPrefix("head.") || name.hasPrefix("meta_mlp.")))
            || isHead(name, modelName: modelName)
    }

    /// The classifier head, kept only when its class count matches.
    private static func isHead(_ name: String, modelName: ModelName) -> Bool {
        modelName == .ast ? name.hasPrefix("mlp_head.") : name.hasPrefix("fc.")
    }
}
