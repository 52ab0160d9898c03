import Config
import Data
import Foundation
import NN
import Optim
import RunRecords
import Tensor

/// Observes a training run: progress bars, logs and tracking hang off these calls.
public protocol TrainerObserver: AnyObject {
    /// After each training batch: batches done and per epoch, and the running mean loss.
    func batchFinished(epoch: Int, batch: Int, of batches: Int, loss: Double)
    func epochFinished(_ record: EpochRecord)
}

/// What `Trainer.fit` returns: the history and the chosen epoch, whose weights the model holds.
public struct TrainingOutcome: Sendable {
    public var history: [EpochRecord]
    /// The epoch with the lowest loss on the selection part, or the last epoch without one.
    public var chosenEpoch: Int
    public var stoppedEarly: Bool
}

/// Trains one model on one job's fit part the same way for every model: epochs of training,
/// optimizer and scheduler steps, gradient clipping and a NaN/inf guard. A selection part, when
/// given, is evaluated after every epoch and alone drives ReduceLROnPlateau, early stopping and
/// the choice of the epoch whose weights are kept; without one every epoch runs and the last
/// weights stay. The held-out fold is never seen here.
public final class Trainer {
    public let model: any SpectrogramClassifier
    public let settings: TrainerConfig
    public let classCount: Int
    private let optimizer: Optimizer
    private let scheduler: LearningRateScheduler?

    /// The parameters named in `head` (the tensors a pretrained start left fresh) learn at
    /// `settings.headLrScale` times the rate, and alone for the first `settings.freezeEpochs`.
    private let body: Set<String>

    public init(model: any SpectrogramClassifier, settings: TrainerConfig, classCount: Int, head: Set<String> = []) throws {
        guard settings.epochs > 0, settings.batchSize > 0 else {
            throw TrainingError.configuration("trainer", "epochs (\(settings.epochs)) and batch_size (\(settings.batchSize)) must be positive")
        }
        guard settings.selection != .last || settings.scheduler.name != .plateau else {
            throw TrainingError.configuration("trainer.selection", "selection 'last' has no selection part to drive the plateau scheduler")
        }
        self.model = model
        self.settings = settings
        self.classCount = classCount
        optimizer = try OptimizerFactory.optimizer(settings, parameters: model.namedParameters())
        optimizer.scaleLearningRate(of: head, by: settings.headLrScale)
        scheduler = try OptimizerFactory.scheduler(settings, optimizer: optimizer)
        body = Set(model.namedParameters().map(\.name)).subtracting(head)
    }

    /// Trains on `fit` for `settings.epochs`, or until the loss on `selection` stops improving
    /// (early stopping); the model then holds the chosen epoch's weights. With `ema_decay` the
    /// moving average of the weights is what the selection part scores and what is kept; with
    /// `swa_epochs` the mean of the last epochs' weights is kept (its batch-norm statistics
    /// recomputed on `fit`). `isCancelled` is polled after every batch; once it is true, `fit`
    /// throws `TrainingError.cancelled`.
    public func fit(_ fit: BatchLoader, selection: BatchLoader?, observer: TrainerObserver? = nil,
                    isCancelled: () -> Bool = { false }) throws -> TrainingOutcome {
        var history: [EpochRecord] = []
        var best: (epoch: Int, loss: Double, snapshot: ModelSnapshot)?
        var stoppedEarly = false
        let average = settings.emaDecay > 0 ? ExponentialWeightAverage(model, decay: settings.emaDecay) : nil
        let swa = settings.swaEpochs > 0 ? UniformWeightAverage() : nil
        for epoch in 0..<settings.epochs {
            let started = Date()
            let learningRate = optimizer.learningRate
            let (trainLoss, trainAccuracy) = try trainEpoch(epoch, fit, observer, isCancelled, average: average)
            if let swa, epoch >= settings.epochs - settings.swaEpochs { swa.add(model) }
            var record = EpochRecord(epoch: epoch, trainLoss: trainLoss, trainAccuracy: trainAccuracy, learningRate: learningRate, seconds: 0)
            var selectionLoss: Double?
            // The weights scored (and kept when best): the moving average when there is one.
            let trained = selection != nil ? average.map { _ in ModelSnapshot(model) } : nil
            if trained != nil { try average?.load(into: model) }
            if let selection {
                let evaluation = try Evaluation(model: model, loader: selection, classCount: classCount,
                                                labelSmoothing: Float(settings.labelSmoothing))
                let metrics = evaluation.metrics
                (record.valLoss, record.valAccuracy, record.valF1Weighted) = (evaluation.loss, metrics.accuracy, metrics.f1Weighted)
                (record.valPrecisionWeighted, record.valRecallWeighted) = (metrics.precisionWeighted, metrics.recallWeighted)
                selectionLoss = evaluation.loss
            }
            let improved = selectionLoss.map { loss in best.map { loss < $0.loss - settings.earlyStopping.minDelta } ?? true } ?? false
            if improved { best = (epoch, selectionLoss!, ModelSnapshot(model)) }
            try trained?.restore(into: model)
            record.seconds = Date().timeIntervalSince(started)
            history.append(record)
            observer?.epochFinished(record)
            // The plateau scheduler watches the selection loss (`mode: min`) or accuracy (`max`).
            scheduler?.step(epoch: epoch, metric: settings.scheduler.mode == .max ? record.valAccuracy ?? trainAccuracy : selectionLoss ?? trainLoss)
            if let best, !improved, settings.earlyStopping.patience > 0, epoch - best.epoch >= settings.earlyStopping.patience {
                stoppedEarly = epoch + 1 < settings.epochs
                break
            }
        }
        if let swa {
            try swa.load(into: model)
            try recomputeBatchNormStatistics(model, loader: BatchLoader(pack: fit.pack, rows: fit.rows, normalizer: fit.normalizer, scaler: fit.scaler,
                                                                        options: .evaluation(batchSize: settings.batchSize)))
            return TrainingOutcome(history: history, chosenEpoch: history.count - 1, stoppedEarly: false)
        }
        guard let best else {
            try average?.load(into: model)
            return TrainingOutcome(history: history, chosenEpoch: history.count - 1, stoppedEarly: false)
        }
        try best.snapshot.restore(into: model)
        return TrainingOutcome(history: history, chosenEpoch: best.epoch, stoppedEarly: stoppedEarly)
    }

    /// One pass over the training batches; returns the mean loss and the accuracy against each
    /// example's own label.
    private func trainEpoch(_ epoch: Int, _ loader: BatchLoader, _ observer: TrainerObserver?,
                            _ isCancelled: () -> Bool, average: ExponentialWeightAverage?) throws -> (Double, Double) {
        model.setTraining(true)
        let (bins, frames) = (loader.pack.parameters.numMelBins, loader.pack.parameters.frames)
        let stream = loader.epoch(epoch)
        defer { stream.cancel() }
        var (lossSum, correct, seen, index) = (0.0, 0, 0, 0)
        let batches = loader.batchesPerEpoch
        for batch in stream {
            let n = batch.count
            let x = try Tensor(batch.features, shape: [n, 1, bins, frames])
            let metadata = loader.metadataWidth > 0 ? try Tensor(batch.metadata, shape: [n, loader.metadataWidth]) : nil
            let logits = try model.logits(x, metadata: metadata)
            let loss = try Self.loss(logits, labels: batch.labels, mixup: batch.mixup, labelSmoothing: Float(settings.labelSmoothing))
            guard loss.item.isFinite else { throw TrainingError.nonFiniteLoss(epoch: epoch, batch: index, loss: loss.item) }
            try loss.backward()
            if epoch < settings.freezeEpochs {
                for parameter in optimizer.parameters where body.contains(parameter.name) { parameter.tensor.zeroGrad() }
            }
            if settings.gradClipNorm > 0 { clipGradientNorm(model.parameters, maxNorm: settings.gradClipNorm) }
            optimizer.step()
            optimizer.zeroGrad()
            average?.update(from: model)
            lossSum += Double(loss.item) * Double(n)
            correct += zip(InferencePass.argmax(logits.scalars, classes: classCount), batch.labels).filter { $0 == $1 }.count
            seen += n
            index += 1
            observer?.batchFinished(epoch: epoch, batch: index, of: batches, loss: lossSum / Double(seen))
            if isCancelled() { throw TrainingError.cancelled(epoch: epoch, batch: index) }
        }
        guard seen > 0 else { throw TrainingError.configuration("trainer.batch_size", "no training batch: \(loader.rows.count) examples with batch size \(settings.batchSize) and drop_last") }
        return (lossSum / Double(seen), Double(correct) / Double(seen))
    }

    /// The training loss of logits (B, C): cross-entropy with label smoothing against the labels
    /// or, for a mixed batch, against the mixed targets, λ · CE(labels) + (1 − λ) · CE(partners'
    /// labels) (the mixup paper's criterion).
    public static func loss(_ logits: Tensor, labels: [Int], mixup: MixupPairing?, labelSmoothing: Float) throws -> Tensor {
        let own = try Tensor.crossEntropy(logits, labels: labels, labelSmoothing: labelSmoothing)
        guard let mixup else { return own }
        return try own * mixup.weight + Tensor.crossEntropy(logits, labels: mixup.partnerLabels, labelSmoothing: labelSmoothing) * (1 - mixup.weight)
    }
}
