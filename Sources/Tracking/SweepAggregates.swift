/// The parent run's aggregate metrics: for each model and each score, the mean over its folds
/// and the *sample* standard deviation (ddof = 1, numpy's `std(ddof=1)`, pandas' default), the
/// usual estimate when the folds are a sample of possible splits. A model with a single fold
/// gets no `_std` (undefined with ddof = 1).
public enum SweepAggregates {
    /// `<model>/<score>_mean` and `<model>/<score>_std` → value, models in name order, scores in
    /// `FoldScores.named` order.
    public static func compute(_ results: [FoldResult]) -> [(key: String, value: Double)] {
        let byModel = Dictionary(grouping: results, by: \.model)
        var aggregates: [(key: String, value: Double)] = []
        for model in byModel.keys.sorted() {
            let folds = byModel[model]!
            for (index, (name, _)) in folds[0].scores.named.enumerated() {
                let values = folds.map { $0.scores.named[index].value }
                let mean = values.reduce(0, +) / Double(values.count)
                aggregates.append(("\(model)/\(name)_mean", mean))
                if values.count > 1 {
                    let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
                    aggregates.append(("\(model)/\(name)_std", (squares / Double(values.count - 1)).squareRoot()))
                }
            }
        }
        return aggregates
    }
}
