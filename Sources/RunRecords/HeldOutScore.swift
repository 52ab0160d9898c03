/// The scores of a job's held-out fold, scored once with the chosen weights: the keys of
/// results.json's `metrics` and `models`, of the model card's `scores`, and MLflow's metric names
/// (`final/<name>` on a child run, `<model>/<name>_mean` and `_std` on the parent,
/// `cv/<name>_mean` and `_std` on a refit). Accuracy and the precision, recall and F1 averages
/// are fractions in [0, 1]; `val_loss` is the held-out mean cross-entropy in nats (the name is
/// kept from when the held-out fold was the validation part).
public enum HeldOutScore: String, CaseIterable, Sendable {
    case accuracy
    case f1Weighted = "f1_weighted"
    case precisionWeighted = "precision_weighted"
    case recallWeighted = "recall_weighted"
    case f1Macro = "f1_macro"
    case precisionMacro = "precision_macro"
    case recallMacro = "recall_macro"
    case valLoss = "val_loss"

    /// The scores a child run logs and the parent run aggregates, and the comparison table's
    /// columns, in this order.
    public static let tracked: [HeldOutScore] = [.accuracy, .f1Weighted, .precisionWeighted, .recallWeighted, .valLoss]
}

extension Dictionary where Key == String {
    /// The value under `score`'s name.
    public subscript(score: HeldOutScore) -> Value? { self[score.rawValue] }
}
