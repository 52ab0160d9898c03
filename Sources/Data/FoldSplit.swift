/// One fold of a cross-validation: its training and validation rows, and the normalisation
/// fitted on the training rows only, with the loaders that apply it.
///
/// ```swift
/// let assignment = try FoldAssignment.make(.stratified, pack: pack, k: 5, seed: 0)
/// let split = FoldSplit(pack: pack, assignment: assignment, fold: 2)
/// let train = split.trainingLoader(LoaderOptions(batchSize: 32, shuffle: true, dropLast: true, seed: 7))
/// let validation = split.validationLoader(batchSize: 64)
/// ```
public struct FoldSplit: Sendable {
    public let pack: FeaturePack
    public let fold: Int
    public let trainingRows: [Int]
    public let validationRows: [Int]
    public let normalizer: FeatureNormalizer
    public let scaler: MetadataScaler

    public init(pack: FeaturePack, assignment: FoldAssignment, fold: Int) {
        precondition(assignment.folds.count == pack.count && (0..<assignment.k).contains(fold), "FoldSplit: fold \(fold) does not fit the assignment")
        self.pack = pack
        self.fold = fold
        trainingRows = assignment.trainingRows(fold: fold)
        validationRows = assignment.validationRows(fold: fold)
        normalizer = FeatureNormalizer.fit(pack, rows: trainingRows)
        scaler = MetadataScaler.fit(pack, rows: trainingRows)
    }

    /// Batches of the training rows with `options` (shuffling, augmentation, mixup).
    public func trainingLoader(_ options: LoaderOptions) -> BatchLoader {
        BatchLoader(pack: pack, rows: trainingRows, normalizer: normalizer, scaler: scaler, options: options)
    }

    /// Batches of the validation rows in order, all of them, never augmented.
    public func validationLoader(batchSize: Int) -> BatchLoader {
        BatchLoader(pack: pack, rows: validationRows, normalizer: normalizer, scaler: scaler, options: .evaluation(batchSize: batchSize))
    }
}
