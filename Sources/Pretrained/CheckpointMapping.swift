import ModelNames
import NN
import SafeTensors

/// A checkpoint's tensors renamed to SpectroFold's keys and adapted to the target model, by its
/// source's own rules. `adapted` says how each changed tensor was made; `ignored` lists source
/// tensors deliberately left out (ImageNet and AudioSet heads).
struct CheckpointMapping {
    var tensors: [String: SafeTensor] = [:]
    var adapted: [String: String] = [:]
    var ignored: [String] = []

    /// The mapping of `source` (keys without any `module.` prefix) in `layout` onto `model`.
    init(_ source: [String: SafeTensor], layout: CheckpointLayout, model: any SpectrogramClassifier, modelName: ModelName,
         sourceGrid: (rows: Int, columns: Int)?) throws {
        switch layout {
        case .torchvisionResNet: try mapResNet(source, prefix: modelName == .cnnMLP ? "backbone." : "")
        case .timmViT: try mapViT(source, model: try Self.ast(model))
        case .astAudioSet: try mapAST(source, model: try Self.ast(model), sourceGrid: sourceGrid)
        case .huggingFaceAST: try mapAST(try Self.renamedFromHuggingFace(source), model: try Self.ast(model), sourceGrid: sourceGrid)
        }
    }

    private static func ast(_ model: any SpectrogramClassifier) throws -> AST {
        guard let ast = model as? AST else { throw ImportError("this checkpoint layout starts only ast") }
        return ast
    }

    /// torchvision ResNet-18: the same names (under `prefix`); `conv1` summed over its 3 input
    /// channels (as timm's `adapt_input_conv`); `fc` kept where the target has one.
    private mutating func mapResNet(_ source: [String: SafeTensor], prefix: String) throws {
        for (name, tensor) in source {
            if name == "conv1.weight" {
                tensors[prefix + name] = try Self.sumOverInputChannels(tensor, name)
                adapted[prefix + name] = "summed over its \(tensor.shape[1]) input channels"
            } else if name.hasPrefix("fc.") && !prefix.isEmpty {
                ignored.append(name)
            } else {
                tensors[prefix + name] = tensor
            }
        }
    }

    /// timm ViT / DeiT into AST's `v.`: the patch projection summed over RGB; a ViT without a
    /// distillation token gets one copied from its class token (and that token's position); the
    /// square position grid fitted to the spectrogram's patch grid; the heads left out.
    private mutating func mapViT(_ source: [String: SafeTensor], model: AST) throws {
        for (name, tensor) in source {
            switch name {
            case "patch_embed.proj.weight":
                tensors["v." + name] = try Self.sumOverInputChannels(tensor, name)
                adapted["v." + name] = "summed over its \(tensor.shape[1]) input channels"
            case "pos_embed", "dist_token":
                continue
            default:
                if name.hasPrefix("head") { ignored.append(name) } else { tensors["v." + name] = tensor }
            }
        }
        guard let cls = source["cls_token"] else { throw ImportError("no cls_token") }
        let distilled = source["dist_token"] != nil
        if !distilled {
            tensors["v.dist_token"] = cls
            adapted["v.dist_token"] = "copied from cls_token (the checkpoint has no distillation token)"
        } else {
            tensors["v.dist_token"] = source["dist_token"]
        }
        let positions = try Self.floats(source, "pos_embed")
        let tokens = distilled ? 2 : 1
        let patches = positions.shape[1] - tokens
        let side = Int(Double(patches).squareRoot().rounded())
        guard positions.shape.count == 3, side * side == patches else {
            throw ImportError("pos_embed \(positions.shape): expected \(tokens) token rows and a square patch grid")
        }
        try fitPositions(positions, tokens: tokens, grid: (side, side), model: model, duplicateClassPosition: !distilled)
    }

    /// AST's own layout: the same names; the position grid fitted to the new patch grid; the
    /// head kept only when its shape fits.
    private mutating func mapAST(_ source: [String: SafeTensor], model: AST, sourceGrid: (rows: Int, columns: Int)?) throws {
        for (name, tensor) in source where name != "v.pos_embed" { tensors[name] = tensor }
        let positions = try Self.floats(source, "v.pos_embed")
        let patches = positions.shape[1] - 2
        let grid = sourceGrid ?? (12, patches / 12)
        guard positions.shape.count == 3, grid.rows * grid.columns == patches else {
            throw ImportError("v.pos_embed \(positions.shape) does not hold a \(grid.rows) × \(grid.columns) patch grid and 2 tokens")
        }
        try fitPositions(positions, tokens: 2, grid: grid, model: model, duplicateClassPosition: false)
    }

    /// Writes `v.pos_embed` for `model`: the token rows kept (the class token's duplicated for a
    /// missing distillation token), the grid cut or resampled (`PositionGrid.fitted`).
    private mutating func fitPositions(_ positions: (values: [Float], shape: [Int]), tokens: Int, grid: (rows: Int, columns: Int),
                                       model: AST, duplicateClassPosition: Bool) throws {
        let width = positions.shape[2]
        let tokenRows = Array(positions.values[0..<(tokens * width)])
        let fitted = PositionGrid(rows: grid.rows, columns: grid.columns, width: width, values: Array(positions.values[(tokens * width)...]))
            .fitted(rows: model.patchGrid.frequency, columns: model.patchGrid.time)
        let heads = duplicateClassPosition ? tokenRows + tokenRows : tokenRows
        tensors["v.pos_embed"] = SafeTensor(floats: heads + fitted.values, shape: [1, 2 + fitted.rows * fitted.columns, width])
        adapted["v.pos_embed"] = "grid \(grid.rows) × \(grid.columns) fitted to \(fitted.rows) × \(fitted.columns) (centre cut where an axis "
            + "does not grow, bilinear where it does)" + (duplicateClassPosition ? "; the distillation token's row copied from the class token's" : "")
    }

    /// Hugging Face's `ASTForAudioClassification` keys in AST's own layout; query, key and value
    /// rows concatenated into one `qkv` projection.
    static func renamedFromHuggingFace(_ source: [String: SafeTensor]) throws -> [String: SafeTensor] {
        let body = "audio_spectrogram_transformer."
        let fixed = ["embeddings.cls_token": "v.cls_token", "embeddings.distillation_token": "v.dist_token",
                     "embeddings.position_embeddings": "v.pos_embed", "embeddings.patch_embeddings.projection.weight": "v.patch_embed.proj.weight",
                     "embeddings.patch_embeddings.projection.bias": "v.patch_embed.proj.bias", "layernorm.weight": "v.norm.weight",
                     "layernorm.bias": "v.norm.bias"]
        let perLayer = ["attention.output.dense": "attn.proj", "layernorm_before": "norm1", "layernorm_after": "norm2",
                        "intermediate.dense": "mlp.fc1", "output.dense": "mlp.fc2"]
        var renamed: [String: SafeTensor] = [:]
        var qkv: [String: [String: SafeTensor]] = [:]
        for (name, tensor) in source {
            if name.hasPrefix("classifier.") {
                renamed[name.replacingOccurrences(of: "classifier.layernorm.", with: "mlp_head.0.")
                    .replacingOccurrences(of: "classifier.dense.", with: "mlp_head.1.")] = tensor
                continue
            }
            guard name.hasPrefix(body) else { throw ImportError("unexpected key \(name)") }
            let rest = String(name.dropFirst(body.count))
            if let ours = fixed[rest] { renamed[ours] = tensor; continue }
            let parts = rest.split(separator: ".").map(String.init)
            guard parts.count >= 5, parts[0] == "encoder", parts[1] == "layer", let layer = Int(parts[2]) else {
                throw ImportError("unexpected key \(name)")
            }
            let inner = parts[3..<(parts.count - 1)].joined(separator: "."), kind = parts.last!
            if ["attention.attention.query", "attention.attention.key", "attention.attention.value"].contains(inner) {
                qkv["v.blocks.\(layer).attn.qkv.\(kind)", default: [:]][inner.components(separatedBy: ".").last!] = tensor
            } else if let ours = perLayer[inner] {
                renamed["v.blocks.\(layer).\(ours).\(kind)"] = tensor
            } else {
                throw ImportError("unexpected key \(name)")
            }
        }
        for (name, parts) in qkv {
            guard let q = parts["query"]?.floats(), let k = parts["key"]?.floats(), let v = parts["value"]?.floats(),
                  let shape = parts["query"]?.shape else { throw ImportError("\(name): query, key or value missing") }
            renamed[name] = SafeTensor(floats: q + k + v, shape: [3 * shape[0]] + shape.dropFirst())
        }
        return renamed
    }

    /// (out, in, kh, kw) → (out, 1, kh, kw), summing over `in`.
    private static func sumOverInputChannels(_ tensor: SafeTensor, _ name: String) throws -> SafeTensor {
        guard tensor.shape.count == 4, let values = tensor.floats() else { throw ImportError("\(name): expected a 4-d float tensor, got \(tensor.shape)") }
        let (out, inputs, area) = (tensor.shape[0], tensor.shape[1], tensor.shape[2] * tensor.shape[3])
        var summed = [Float](repeating: 0, count: out * area)
        for o in 0..<out { for i in 0..<inputs { for a in 0..<area { summed[o * area + a] += values[(o * inputs + i) * area + a] } } }
        return SafeTensor(floats: summed, shape: [out, 1, tensor.shape[2], tensor.shape[3]])
    }

    private static func floats(_ source: [String: SafeTensor], _ name: String) throws -> (values: [Float], shape: [Int]) {
        guard let tensor = source[name], let values = tensor.floats() else { throw ImportError("no float tensor \(name)") }
        return (values, tensor.shape)
    }
}

/// A checkpoint that cannot start the model, with what is wrong.
public struct ImportError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
