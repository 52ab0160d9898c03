/// One batch of examples as plain values, ready to become tensors.
public struct Batch: Sendable {
    /// The pack rows in this batch, in batch order.
    public let rows: [Int]
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

/// How a mixed batch was made: example i is weight · x_i + (1 − weight) · x_partner(i).
public struct MixupPairing: Sendable, Equatable {
    /// Batch position of each example's partner.
    public let partners: [Int]
    /// Labels of the partners (the second target of each example).
    public let partnerLabels: [Int]
    /// λ ~ Beta(α, α): the weight of an example's own label.
    public let weight: Float
}
