import Random
import Tensor

/// ResNet-18 (He et al. 2016) over 1-channel spectrograms, named as torchvision's `resnet18`:
/// conv1 (7×7, stride 2) → bn1 → ReLU → max-pool (3, stride 2) → layer1…layer4 of two
/// BasicBlocks each with widths w, 2w, 4w, 8w (stride 2 from layer2 on) → global average pool.
/// x (B, 1, F, T) → features (B, 8w). With `attention`, every block carries CBAM.
public final class ResNetTrunk: Module, Layer {
    public let conv1: Conv2d, bn1: BatchNorm2d
    public let stages: [[BasicBlock]]
    public let width: Int
    public var featureCount: Int { 8 * width }

    public init(width: Int, attention: Bool, generator: inout RandomGenerator) {
        self.width = width
        conv1 = Conv2d(1, width, kernel: 7, stride: 2, padding: 3, bias: false, generator: &generator)
        bn1 = BatchNorm2d(width)
        var stages: [[BasicBlock]] = []
        var inWidth = width
        for stage in 0..<4 {
            let outWidth = width << stage, stride = stage == 0 ? 1 : 2
            stages.append([
                BasicBlock(inWidth, outWidth, stride: stride, attention: attention, generator: &generator),
                BasicBlock(outWidth, outWidth, stride: 1, attention: attention, generator: &generator),
            ])
            inWidth = outWidth
        }
        self.stages = stages
        super.init()
        child("conv1", conv1)
        child("bn1", bn1)
        for (stage, blocks) in stages.enumerated() {
            let layer = child("layer\(stage + 1)", Module())
            for (index, block) in blocks.enumerated() { layer.child(String(index), block) }
        }
    }

    /// (B, 1, F, T) → (B, 8w).
    public func forward(_ x: Tensor) throws -> Tensor {
        var h = try bn1.withReLU(conv1(x)).maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1))
        for block in stages.joined() { h = try block(h) }
        return try h.adaptiveAvgPool2d((1, 1)).reshaped([x.shape[0], featureCount])
    }
}

/// torchvision's BasicBlock: conv1 (3×3, stride) → bn1 → ReLU → conv2 (3×3) → bn2 [→ CBAM]
/// → + shortcut → ReLU; the shortcut is `downsample` (1×1 conv with stride, BN) when the shape changes.
public final class BasicBlock: Module, Layer {
    public let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d
    public let cbam: CBAM?
    public let downsample: Sequential?

    public init(_ inWidth: Int, _ outWidth: Int, stride: Int, attention: Bool, generator: inout RandomGenerator) {
        conv1 = Conv2d(inWidth, outWidth, kernel: 3, stride: stride, padding: 1, bias: false, generator: &generator)
        bn1 = BatchNorm2d(outWidth)
        conv2 = Conv2d(outWidth, outWidth, kernel: 3, padding: 1, bias: false, generator: &generator)
        bn2 = BatchNorm2d(outWidth)
        cbam = attention ? CBAM(outWidth, generator: &generator) : nil
        downsample = stride != 1 || inWidth != outWidth
            ? Sequential([Conv2d(inWidth, outWidth, kernel: 1, stride: stride, bias: false, generator: &generator), BatchNorm2d(outWidth)])
            : nil
        super.init()
        child("conv1", conv1)
        child("bn1", bn1)
        child("conv2", conv2)
        child("bn2", bn2)
        if let cbam { child("cbam", cbam) }
        if let downsample { child("downsample", downsample) }
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        var h = try bn2(conv2(bn1.withReLU(conv1(x))))
        if let cbam { h = try cbam(h) }
        return try (h + (downsample.map { try $0(x) } ?? x)).relu()
    }
}
