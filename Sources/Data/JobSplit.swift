import Config
/// One job's three disjoint sets of pack rows. `fit` trains the model; `selection` (empty with
/// `SelectionMode.last`) steers early stopping, the plateau scheduler and the best-epoch choice;
/// `test`, exactly the held-out fold's rows, is scored once with the final weights. The feature
/// normalisation and metadata scaling are fitted on `fit` only.
///
/// ```swift
/// let folds = try FoldAssignment.make(.stratifiedGroup, pack: pack, k: 5, seed: 0)
/// let split = try JobSplit(pack: pack, folds: folds, repeat: 0, fold: 2, selection: .inner, fraction: 0.15, seed: 0)
/// let fit = split.fitLoader(LoaderOptions(batchSize: 32, shuffle: true, dropLast: true, seed: 7))
/// let test = split.testLoader(batchSize: 64)
/// ```
public struct JobSplit: Sendable {
    public let pack: FeaturePack
    public let fitRows: [Int]
    public let selectionRows: [Int]
    /// Empty in a refit's split (`whole`).
    public let testRows: [Int]
    public let normalizer: FeatureNormalizer
    public let scaler: MetadataScaler

    /// The split of `fold` of `folds` (the fold assignment of repeat `repeat`). With `.inner` the
    /// selection part takes about `fraction` of the training part, stratified by label, whole
    /// groups at a time (`SelectionSplit`), under `seed`, `repeat` and `fold`. `statistics`
    /// replaces the normaliser fitted on the fit part (a checkpoint's own input statistics).
    /// Throws when a part would be empty or the selection part would miss a class.
    public init(pack: FeaturePack, folds: FoldAssignment, repeat: Int, fold: Int, selection: SelectionMode, fraction: Double,
                seed: UInt64, statistics: FeatureNormalizer? = nil) throws {
        precondition(folds.folds.count == pack.count && (0..<folds.k).contains(fold), "JobSplit: fold \(fold) does not fit the assignment")
        let test = folds.validationRows(fold: fold)
        let training = folds.trainingRows(fold: fold)
        let place = `repeat` > 0 ? "repeat \(`repeat`), fold \(fold)" : "fold \(fold)"
        guard !test.isEmpty, !training.isEmpty else {
            throw DataError("folds", "\(place): the \(test.isEmpty ? "held-out" : "training") part has no examples")
        }
        try self.init(pack: pack, training: training, test: test, selection: selection, fraction: fraction, seed: seed,
                      stream: Self.stream(repeat: `repeat`, fold: fold), place: place, statistics: statistics)
    }

    /// A refit's split: every row of the pack trains (the fit part, and with `.inner` a selection
    /// part made as a fold job's is); nothing is held out.
    public static func whole(pack: FeaturePack, selection: SelectionMode, fraction: Double, seed: UInt64,
                             statistics: FeatureNormalizer? = nil) throws -> JobSplit {
        guard pack.count > 0 else { throw DataError("refit", "the pack has no examples") }
        return try JobSplit(pack: pack, training: Array(0..<pack.count), test: [], selection: selection, fraction: fraction, seed: seed,
                            stream: 0x5265_6669_74, place: "refit", statistics: statistics)
    }

    private init(pack: FeaturePack, training: [Int], test: [Int], selection: SelectionMode, fraction: Double, seed: UInt64,
                 stream: UInt64, place: String, statistics: FeatureNormalizer?) throws {
        self.pack = pack
        testRows = test
        switch selection {
        case .last:
            (fitRows, selectionRows) = (training, [])
        case .inner:
            (fitRows, selectionRows) = try SelectionSplit.split(rows: training, labels: pack.labels, groups: pack.groups, classes: pack.classes,
                                                                fraction: fraction, seed: seed, stream: stream, place: place)
        }
        normalizer = statistics ?? FeatureNormalizer.fit(pack, rows: fitRows)
        scaler = MetadataScaler.fit(pack, rows: fitRows)
    }

    /// Batches of the fit rows with `options` (shuffling, augmentation, mixup).
    public func fitLoader(_ options: LoaderOptions) -> BatchLoader {
        BatchLoader(pack: pack, rows: fitRows, normalizer: normalizer, scaler: scaler, options: options)
    }

    /// Batches of the selection rows' scoring `windows` in order, never augmented; nil without a
    /// selection part.
    public func selectionLoader(batchSize: Int, windows: ClipWindows = .center) -> BatchLoader? {
        selectionRows.isEmpty ? nil
            : BatchLoader(pack: pack, rows: selectionRows, normalizer: normalizer, scaler: scaler,
                          options: .evaluation(batchSize: batchSize, windows: windows))
    }

    /// Batches of the held-out rows' scoring `windows` in order, never augmented.
    public func testLoader(batchSize: Int, windows: ClipWindows = .center) -> BatchLoader {
        BatchLoader(pack: pack, rows: testRows, normalizer: normalizer, scaler: scaler, options: .evaluation(batchSize: batchSize, windows: windows))
    }

    /// The random stream of the selection split of one repeat's fold.
    static func stream(repeat: Int, fold: Int) -> UInt64 {
        0x5365_6C65_6374 &+ UInt64(`repeat`) &* 1_000_003 &+ UInt64(fold)
    }
}
