/// One epoch's figures, as the trainer records them, results.json keeps them (snake_case keys),
/// a worker reports them in PROGRESS and MLflow logs them (step = epoch + 1). The `val*` figures
/// are on the job's selection part (nil when it has none, with `selection: last`). Losses are
/// mean cross-entropy in nats, accuracies fractions in [0, 1].
public struct EpochRecord: Codable, Equatable, Sendable {
    /// 0-based (MLflow logs it as step epoch + 1).
    public var epoch: Int
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var valLoss: Double?
    public var valAccuracy: Double?
    public var valF1Weighted: Double?
    public var valPrecisionWeighted: Double?
    public var valRecallWeighted: Double?
    /// The learning rate this epoch trained with.
    public var learningRate: Double
    /// Wall time of the epoch (training and the selection part's evaluation), in seconds.
    public var seconds: Double

    public init(
        epoch: Int, trainLoss: Double, trainAccuracy: Double, valLoss: Double? = nil, valAccuracy: Double? = nil,
        valF1Weighted: Double? = nil, valPrecisionWeighted: Double? = nil, valRecallWeighted: Double? = nil,
        learningRate: Double, seconds: Double
    ) {
        (self.epoch, self.trainLoss, self.trainAccuracy, self.valLoss, self.valAccuracy) = (epoch, trainLoss, trainAccuracy, valLoss, valAccuracy)
        (self.valF1Weighted, self.valPrecisionWeighted, self.valRecallWeighted) = (valF1Weighted, valPrecisionWeighted, valRecallWeighted)
        (self.learningRate, self.seconds) = (learningRate, seconds)
    }

    /// The epoch's metrics by the names MLflow logs them under, in this order (the `val_*` ones
    /// only with a selection part): the one place the per-epoch names are spelled.
    public var metrics: [(name: String, value: Double)] {
        let selection: [(String, Double?)] = [
            ("val_loss", valLoss), ("val_accuracy", valAccuracy), ("val_f1_weighted", valF1Weighted),
            ("val_precision_weighted", valPrecisionWeighted), ("val_recall_weighted", valRecallWeighted)
        ]
        return [("train_loss", trainLoss), ("train_accuracy", trainAccuracy)] + selection.compactMap { name, value in value.map { (name, $0) } }
            + [("learning_rate", learningRate)]
    }
}
