/// Feature standardisation with one mean and one standard deviation over every value of the
/// training examples (as AST's dataset statistics), fitted on a fold's training part only.
public struct FeatureNormalizer: Sendable, Equatable, Codable {
    public let mean: Float
    public let std: Float

    public init(mean: Float, std: Float) {
        self.mean = mean
        self.std = std
    }

    /// Statistics of the features of `rows` in `pack`: of each clip's frames, and of the padding
    /// a window of a shorter clip holds (its first `frames` frames).
    public static func fit(_ pack: FeaturePack, rows: [Int]) -> FeatureNormalizer {
        precondition(!rows.isEmpty, "FeatureNormalizer: no training rows")
        let (size, bins, stride) = (pack.featureSize, pack.parameters.numMelBins, pack.parameters.maxFrames)
        var sum = 0.0, sumSquares = 0.0, count = 0
        pack.features.withUnsafeBufferPointer { x in
            for row in rows {
                let seen = max(pack.lengths[row], pack.parameters.frames)
                for m in 0..<bins {
                    for v in x[(row * size + m * stride)..<(row * size + m * stride + seen)] {
                        sum += Double(v)
                        sumSquares += Double(v) * Double(v)
                    }
                }
                count += bins * seen
            }
        }
        let n = Double(count)
        let mean = sum / n
        let std = max(sumSquares / n - mean * mean, 0).squareRoot()
        return FeatureNormalizer(mean: Float(mean), std: Float(std > 1e-12 ? std : 1))
    }

    /// (x − mean) / std, in place.
    public func apply(_ values: UnsafeMutableBufferPointer<Float>) {
        let inverse = 1 / std
        for i in values.indices { values[i] = (values[i] - mean) * inverse }
    }
}

/// Metadata scaling fitted on a fold's training part: numeric and acoustic columns standardised
/// to mean 0 and standard deviation 1 (a constant column is only centred); one-hot columns kept.
public struct MetadataScaler: Sendable, Equatable, Codable {
    public let mean: [Float]
    public let scale: [Float]

    public init(mean: [Float], scale: [Float]) {
        self.mean = mean
        self.scale = scale
    }

    /// Statistics of the metadata of `rows` in `pack`.
    public static func fit(_ pack: FeaturePack, rows: [Int]) -> MetadataScaler {
        precondition(!rows.isEmpty, "MetadataScaler: no training rows")
        let k = pack.metadataColumns.count
        var mean = [Float](repeating: 0, count: k), scale = [Float](repeating: 1, count: k)
        for (j, column) in pack.metadataColumns.enumerated() where column.kind != .categorical {
            var sum = 0.0, sumSquares = 0.0
            for row in rows {
                let v = Double(pack.metadata[row * k + j])
                sum += v
                sumSquares += v * v
            }
            let m = sum / Double(rows.count)
            let std = max(sumSquares / Double(rows.count) - m * m, 0).squareRoot()
            mean[j] = Float(m)
            scale[j] = std > 1e-12 ? Float(1 / std) : 1
        }
        return MetadataScaler(mean: mean, scale: scale)
    }

    /// (x − mean) · scale per column, in place, for rows of `mean.count` values.
    public func apply(_ values: UnsafeMutableBufferPointer<Float>) {
        let k = mean.count
        guard k > 0 else { return }
        for i in values.indices { values[i] = (values[i] - mean[i % k]) * scale[i % k] }
    }
}
