import Random

/// One batch of examples as plain values, ready to become tensors.
public struct Batch: Sendable {
    /// The pack row of each example, in batch order (a row once per window when scoring).
    public let rows: [Int]
    /// The first frame of each example's window in its clip (before a training shift).
    public let starts: [Int]
    /// (count, 1, numMelBins, frames), normalised (and augmented for training), row-major.
    public let features: [Float]
    /// (count): class indices.
    public let labels: [Int]
    /// (count, metadataWidth): scaled metadata, row-major.
    public let metadata: [Float]
    /// Present when the batch was mixed (mixup): the loss is
    /// weight · CE(labels) + (1 − weight) · CE(mixup.partnerLabels).
    public let mixup: MixupPairing?

    public var count: Int { rows.count }
}

/// How a mixed batch was made (mixup, Zhang et al. 2018): example i is
/// weight · x_i + (1 − weight) · x_partner(i), the partners a permutation of the batch.
public struct MixupPairing: Sendable, Equatable {
    /// Batch position of each example's partner.
    public let partners: [Int]
    /// Labels of the partners (the second target of each example).
    public let partnerLabels: [Int]
    /// λ ~ Beta(α, α): the weight of an example's own label.
    public let weight: Float

    public init(partners: [Int], partnerLabels: [Int], weight: Float) {
        (self.partners, self.partnerLabels, self.weight) = (partners, partnerLabels, weight)
    }

    /// Partners from a shuffle of the batch and λ ~ Beta(α, α), drawn from `generator`.
    static func draw(count: Int, alpha: Double, labels: [Int], generator: inout RandomGenerator) -> MixupPairing {
        var partners = Array(0..<count)
        generator.shuffle(&partners)
        let weight = Float(generator.beta(alpha, alpha))
        return MixupPairing(partners: partners, partnerLabels: partners.map { labels[$0] }, weight: weight)
    }

    /// weight · x_i + (1 − weight) · x_partner(i) for `values` of (count, width), row-major.
    public func mix(_ values: [Float], width: Int) -> [Float] {
        var out = values
        for (i, p) in partners.enumerated() {
            for j in 0..<width { out[i * width + j] = weight * values[i * width + j] + (1 - weight) * values[p * width + j] }
        }
        return out
    }
}
