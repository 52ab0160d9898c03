import Random
import Tensor

/// One of the four compared models: spectrograms (B, 1, F, T) and, for `cnn_mlp`, metadata
/// (B, K) in; logits (B, classes) out.
public protocol SpectrogramClassifier: Module {
    func logits(_ spectrogram: Tensor, metadata: Tensor?) throws -> Tensor
}

/// `baseline_cnn`: the ResNet-18 trunk, dropout, and `fc` (8w → classes), keys as torchvision's resnet18.
public final class BaselineCNN: Module, SpectrogramClassifier {
    public let trunk: ResNetTrunk, dropout: Dropout, fc: Linear

    public init(width: Int, classes: Int, attention: Bool = false, dropout p: Float, generator: inout RandomGenerator) {
        trunk = ResNetTrunk(width: width, attention: attention, generator: &generator)
        dropout = Dropout(p, generator: &generator)
        fc = Linear(trunk.featureCount, classes, generator: &generator)
        super.init()
        // The trunk's modules sit at the top level, as in torchvision.
        for (name, module) in trunk.children { child(name, module) }
        child("dropout", dropout)
        child("fc", fc)
    }

    public func logits(_ spectrogram: Tensor, metadata: Tensor?) throws -> Tensor {
        emit(try fc(dropout(trunk(spectrogram))))
    }
}

/// `cnn_mlp`: the ResNet-18 trunk as `backbone`, an MLP over the metadata
/// (`meta_mlp` = Linear(K, 64), ReLU, Dropout, Linear(64, 64), ReLU) and a fusion `head` over
/// [trunk features, metadata features] (Linear(8w + 64, 256), ReLU, Dropout, Linear(256, classes)).
public final class CNNWithMetadata: Module, SpectrogramClassifier {
    public static let metadataHidden = 64
    public let backbone: ResNetTrunk, metaMLP: Sequential, head: Sequential
    public let metadataWidth: Int

    public init(width: Int, classes: Int, metadataWidth: Int, dropout p: Float, generator: inout RandomGenerator) {
        let hidden = Self.metadataHidden
        self.metadataWidth = metadataWidth
        backbone = ResNetTrunk(width: width, attention: false, generator: &generator)
        metaMLP = Sequential([Linear(metadataWidth, hidden, generator: &generator), ReLU(), Dropout(p, generator: &generator),
                              Linear(hidden, hidden, generator: &generator), ReLU()])
        head = Sequential([Linear(backbone.featureCount + hidden, 256, generator: &generator), ReLU(),
                           Dropout(p, generator: &generator), Linear(256, classes, generator: &generator)])
        super.init()
        child("backbone", backbone)
        child("meta_mlp", metaMLP)
        child("head", head)
    }

    public func logits(_ spectrogram: Tensor, metadata: Tensor?) throws -> Tensor {
        guard let metadata, metadata.shape == [spectrogram.shape[0], metadataWidth] else {
            throw TensorError(op: "cnn_mlp", "needs metadata (B, \(metadataWidth)) for input \(spectrogram.shape), got \(metadata?.shape.description ?? "none")")
        }
        return emit(try head(Tensor.concat([backbone(spectrogram), metaMLP(metadata)], axis: 1)))
    }
}

extension AST: SpectrogramClassifier {
    public func logits(_ spectrogram: Tensor, metadata: Tensor?) throws -> Tensor { try self(spectrogram) }
}
