import Config
import Data
import Foundation
import NN
import RunRecords
import Tensor
import TestSupport
import Training
import XCTest

/// `trainer.ema_decay` and `trainer.swa_epochs` against direct computations from the weights the
/// trainer went through: the moving average of every step's weights; the mean of the last
/// epochs' parameters with batch-norm statistics recomputed as the mean over the fit batches.
final class WeightAveragingTests: XCTestCase {
    private let pack = syntheticPack(count: 48, classes: 3, frames: 32)

    private func setUp(_ trainer: String) throws -> (TrainerConfig, JobSplit, any SpectrogramClassifier) {
        let settings = try ConfigLoader.load(yaml: "trainer: {epochs: 3, batch_size: 8, selection: last, scheduler: {name: none}, \(trainer)}",
                                             source: "test").trainer
        let folds = try FoldAssignment.stratified(labels: pack.labels, classes: pack.classes, k: 2, seed: 1)
        let split = try JobSplit(pack: pack, folds: folds, repeat: 0, fold: 0, selection: .last, fraction: 0.15, seed: 1)
        let model = try ModelFactory.make(ModelFactory.Spec(name: .baselineCNN, preset: "mini", classes: 3, frames: 32), seed: 2)
        return (settings, split, model)
    }

    func testTheMovingAverageIsWhatTheModelKeeps() throws {
        let (settings, split, model) = try setUp("ema_decay: 0.3")
        let weights = WeightRecorder(model)
        _ = try Trainer(model: model, settings: settings, classCount: 3)
            .fit(split.fitLoader(LoaderOptions(batchSize: 8, shuffle: true, dropLast: false, seed: 3)), selection: nil, observer: weights)
        XCTAssertEqual(weights.afterSteps.count, 3 * 3, "three epochs of three batches")
        var average = weights.start
        for (t, step) in weights.afterSteps.enumerated() {
            let decay = min(0.3, Float(1 + t) / Float(10 + t))  // 0.1, 0.18, 0.25, then 0.3 from step 3 on
            average = zip(average, step).map { zip($0, $1).map { decay * $0 + (1 - decay) * $1 } }
        }
        XCTAssertNotEqual(WeightRecorder.values(model), weights.afterSteps.last!, "the kept weights are not the last step's")
        assertClose(WeightRecorder.values(model), average, "moving average")
    }

    func testTheLastEpochsAreAveragedAndTheirBatchNormStatisticsRecomputed() throws {
        let (settings, split, model) = try setUp("swa_epochs: 2, ema_decay: 0")
        let weights = WeightRecorder(model)
        _ = try Trainer(model: model, settings: settings, classCount: 3)
            .fit(split.fitLoader(LoaderOptions(batchSize: 8, shuffle: true, dropLast: false, seed: 3)), selection: nil, observer: weights)
        let parameterCount = model.parameters.count
        let (second, third) = (weights.afterEpochs[1].prefix(parameterCount), weights.afterEpochs[2].prefix(parameterCount))
        let mean = zip(second, third).map { zip($0, $1).map { ($0 + $1) / 2 } }
        assertClose(Array(WeightRecorder.values(model).prefix(parameterCount)), mean, "mean of the last two epochs")

        // bn1's statistics: the mean over the fit batches (in order, unaugmented) of each batch's
        // channel means of conv1's output, which the averaged weights make.
        let conv1 = try XCTUnwrap(model.namedModules().first { $0.name == "conv1" }?.module)
        let bn1 = try XCTUnwrap(model.namedModules().first { $0.name == "bn1" }?.module as? BatchNorm2d)
        var batchMeans: [[Float]] = []
        Module.outputObserver = { module, output in
            guard module === conv1 else { return }
            let (n, c, plane) = (output.shape[0], output.shape[1], output.shape[2] * output.shape[3])
            let values = output.scalars
            batchMeans.append((0..<c).map { channel in
                (0..<n).reduce(Float(0)) { sum, i in sum + values[(i * c + channel) * plane..<(i * c + channel + 1) * plane].reduce(0, +) } / Float(n * plane)
            })
        }
        defer { Module.outputObserver = nil }
        let loader = split.fitLoader(.evaluation(batchSize: 8))
        model.setTraining(false)
        try GradMode.withDisabled {
            for batch in loader.epoch(0) { _ = try model.logits(try Tensor(batch.features, shape: [batch.count, 1, 128, 32]), metadata: nil) }
        }
        let expected = (0..<batchMeans[0].count).map { channel in batchMeans.reduce(Float(0)) { $0 + $1[channel] } / Float(batchMeans.count) }
        assertClose([bn1.runningMean.scalars], [expected], "bn1 running mean")
        XCTAssertEqual(bn1.batchesTracked, loader.batchesPerEpoch)
    }

    func testTheAveragesAreCheckedInTheConfiguration() {
        XCTAssertThrowsError(try ConfigLoader.load(yaml: "trainer: {ema_decay: 0.99, swa_epochs: 2, selection: last}", source: "t.yaml")) {
            XCTAssertTrue("\($0)".contains("trainer.swa_epochs: averages the weights like ema_decay"), "\($0)")
        }
        XCTAssertThrowsError(try ConfigLoader.load(yaml: "trainer: {swa_epochs: 2}", source: "t.yaml")) {
            XCTAssertTrue("\($0)".contains("use one of them (ema_decay: 0 turns the moving average off)"), "\($0)")
        }
        XCTAssertThrowsError(try ConfigLoader.load(yaml: "trainer: {swa_epochs: 2, ema_decay: 0, early_stopping: {patience: 3}}", source: "t.yaml")) {
            XCTAssertTrue("\($0)".contains("set early_stopping.patience to 0"), "\($0)")
        }
        XCTAssertThrowsError(try ConfigLoader.load(yaml: "trainer: {ema_decay: 1.0}", source: "t.yaml"))
    }

    private func assertClose(_ got: [[Float]], _ expected: [[Float]], _ what: String, line: UInt = #line) {
        XCTAssertEqual(got.count, expected.count, what, line: line)
        let worst = zip(got, expected).flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, 1e-5, "\(what): largest difference \(worst)", line: line)
    }
}

/// The model's parameters then buffers: at the start, after every step and after every epoch.
private final class WeightRecorder: TrainerObserver {
    let model: Module
    let start: [[Float]]
    private(set) var afterSteps: [[[Float]]] = []
    private(set) var afterEpochs: [[[Float]]] = []

    init(_ model: Module) {
        self.model = model
        start = Self.values(model)
    }

    static func values(_ model: Module) -> [[Float]] { (model.parameters + model.namedBuffers().map(\.tensor)).map(\.scalars) }

    func batchFinished(epoch: Int, batch: Int, of batches: Int, loss: Double) { afterSteps.append(Self.values(model)) }
    func epochFinished(_ record: EpochRecord) { afterEpochs.append(Self.values(model)) }
}
