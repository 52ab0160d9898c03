import Random
import Tensor

/// Convolutional Block Attention Module (Woo et al. 2018), named as the paper's official code:
/// a channel gate then a spatial gate, each multiplying x (B, C, H, W) by a sigmoid mask.
public final class CBAM: Module, Layer {
    public let channelGate: ChannelGate, spatialGate: SpatialGate

    public init(_ channels: Int, reduction: Int = 16, generator: inout RandomGenerator) {
        channelGate = ChannelGate(channels, reduction: reduction, generator: &generator)
        spatialGate = SpatialGate(generator: &generator)
        super.init()
        child("ChannelGate", channelGate)
        child("SpatialGate", spatialGate)
    }

    public func forward(_ x: Tensor) throws -> Tensor { try spatialGate(channelGate(x)) }
}

/// Channel attention: a shared MLP (Flatten, Linear(C, C/r), ReLU, Linear(C/r, C); at least one
/// hidden unit) over the global average and the global max of each channel, summed, sigmoid:
/// x · σ(mlp(avg) + mlp(max)) broadcast over H × W.
public final class ChannelGate: Module, Layer {
    public let mlp: Sequential

    public init(_ channels: Int, reduction: Int, generator: inout RandomGenerator) {
        let hidden = Swift.max(1, channels / reduction)
        mlp = Sequential([Flatten(), Linear(channels, hidden, generator: &generator), ReLU(),
                          Linear(hidden, channels, generator: &generator)])
        super.init()
        child("mlp", mlp)
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        let (b, c) = (x.shape[0], x.shape[1])
        let attention = try mlp(x.adaptiveAvgPool2d((1, 1))) + mlp(x.adaptiveMaxPool2d((1, 1)))
        return try x * attention.sigmoid().reshaped([b, c, 1, 1])
    }
}

/// Spatial attention: [max over channels, mean over channels] (B, 2, H, W) → conv 7×7 (2 → 1,
/// padding 3, no bias) → BN (eps 1e-5, momentum 0.01) → sigmoid, multiplied onto x.
public final class SpatialGate: Module, Layer {
    public let spatial: Module
    public let conv: Conv2d, bn: BatchNorm2d

    public init(generator: inout RandomGenerator) {
        conv = Conv2d(2, 1, kernel: 7, padding: 3, bias: false, generator: &generator)
        bn = BatchNorm2d(1, momentum: 0.01, eps: 1e-5)
        spatial = Module()
        super.init()
        spatial.child("conv", conv)
        spatial.child("bn", bn)
        child("spatial", spatial)
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        let pooled = try Tensor.concat([x.max(axis: 1, keepDims: true), x.mean(axes: [1], keepDims: true)], axis: 1)
        return try x * bn(conv(pooled)).sigmoid()
    }
}
