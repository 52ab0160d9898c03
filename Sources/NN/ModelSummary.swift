import Foundation
import Tensor

/// A printable layer table: every module that produced an output in one eval-mode forward pass,
/// with its path, type, output shape and parameter count (its own and its children's).
public enum ModelSummary {
    public static func table(_ model: any SpectrogramClassifier, batch: Int, melBins: Int = 128, frames: Int,
                             metadataWidth: Int) throws -> String {
        let paths = Dictionary(model.namedModules().map { (ObjectIdentifier($0.module), $0.name) }, uniquingKeysWith: { a, _ in a })
        var rows: [(path: String, type: String, shape: [Int], parameters: Int)] = []
        Module.outputObserver = { module, output in
            guard let path = paths[ObjectIdentifier(module)] else { return }
            rows.append((path.isEmpty ? "(model)" : path, String(describing: type(of: module)), output.shape, module.parameterCount))
        }
        defer { Module.outputObserver = nil }
        model.setTraining(false)
        let x = Tensor.zeros([batch, 1, melBins, frames])
        let metadata = metadataWidth > 0 ? Tensor.zeros([batch, metadataWidth]) : nil
        _ = try GradMode.withDisabled { try model.logits(x, metadata: metadata) }
        let pathWidth = max(24, rows.map(\.path.count).max() ?? 0), typeWidth = max(12, rows.map(\.type.count).max() ?? 0)
        func pad(_ s: String, _ n: Int) -> String { s.padding(toLength: n, withPad: " ", startingAt: 0) }
        var lines = [pad("layer", pathWidth) + "  " + pad("type", typeWidth) + "  " + pad("output shape", 20) + "  parameters"]
        for row in rows {
            lines.append(pad(row.path, pathWidth) + "  " + pad(row.type, typeWidth) + "  "
                         + pad(row.shape.description, 20) + "  " + String(row.parameters))
        }
        return lines.joined(separator: "\n")
    }
}
