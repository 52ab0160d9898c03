import Audio
import Data
import Random

/// A small feature pack whose classes differ by the place and the brightness of a band of mel
/// bins (the brightness lets attention that starts out uniform tell them apart), so that every
/// model can learn it in a few epochs: `count` examples of `classes` classes, 128 bins × `frames`,
/// one numeric metadata column, a group per 4 examples.
public func syntheticPack(count: Int = 48, classes: Int = 3, frames: Int = 32, seed: UInt64 = 7) -> FeaturePack {
    var rng = RandomGenerator(seed: seed)
    let bins = 128
    var features = [Float](repeating: 0, count: count * bins * frames)
    var labels: [Int] = [], metadata: [Float] = []
    for i in 0..<count {
        let label = i % classes
        labels.append(label)
        metadata.append(Float(label) + rng.nextNormal() * 0.5)
        for bin in 0..<bins {
            let band: Float = bin / 16 == label * 2 ? 3 + 2 * Float(label) : 0
            for frame in 0..<frames { features[(i * bins + bin) * frames + frame] = band + rng.nextNormal() }
        }
    }
    return FeaturePack(parameters: FbankParameters(frames: frames), features: features, labels: labels, metadata: metadata,
                       groups: (0..<count).map { $0 / 4 }, folds: nil, files: (0..<count).map { "clip-\($0).wav" },
                       classes: (0..<classes).map { "class\($0)" }, metadataColumns: [MetadataColumn(name: "loudness", kind: .numeric)],
                       groupNames: (0..<(count + 3) / 4).map { "g\($0)" }, skipped: [], inputFingerprint: "synthetic")
}
