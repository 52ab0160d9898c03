import ModelNames

/// One job of a sweep: a model trained on one fold of one repeat of the k-fold split, or the
/// model's refit on all the data (`JobKey.refit`, fold -1).
public struct JobKey: Codable, Hashable, Sendable {
    public var model: ModelName
    /// 0-based; 0 in a sweep of one repeat.
    public var `repeat`: Int
    public var fold: Int

    public init(model: ModelName, repeat: Int = 0, fold: Int) {
        self.model = model
        self.repeat = `repeat`
        self.fold = fold
    }

    /// The refit of `model` on all the sweep's data: no fold, so fold -1 (how a ledger row keeps it).
    public static func refit(_ model: ModelName) -> JobKey { JobKey(model: model, repeat: 0, fold: -1) }

    public var isRefit: Bool { fold < 0 }

    /// The job's folder below the sweep's, its MLflow child run name and the tail of its cluster
    /// job id: `<model>/fold-<k>`, or `<model>/rep-<r>/fold-<k>` in a sweep of several repeats;
    /// a refit's is `<model>/refit`.
    public func path(repeats: Int) -> String {
        if isRefit { return Refit.path(model) }
        return repeats > 1 ? "\(model)/rep-\(`repeat`)/fold-\(fold)" : "\(model)/fold-\(fold)"
    }

    /// Every job of `models` over `repeats` × `k` folds: model-major, then repeat, then fold.
    public static func all(models: [ModelName], repeats: Int, k: Int) -> [JobKey] {
        models.flatMap { model in (0..<repeats).flatMap { r in (0..<k).map { JobKey(model: model, repeat: r, fold: $0) } } }
    }
}
