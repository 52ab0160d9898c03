import Checkpoint
import Config
import Data
import Foundation
import ModelNames
import NN
import Pretrained
import RunRecords
import TestSupport
import Training
import XCTest

/// Fine-tuning a pretrained start: during `freeze_epochs` only the tensors that started fresh
/// move; afterwards the body learns too.
final class FineTuningTests: XCTestCase {
    func testFrozenEpochsMoveOnlyTheFreshHead() throws {
        let checkpoint = try CheckpointFile.read(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("PretrainedTests/Fixtures/torchvision-resnet18-w16.pth").path)
        let pack = syntheticPack(count: 48, classes: 3, frames: 32)
        let folds = try FoldAssignment.stratified(labels: pack.labels, classes: pack.classes, k: 2, seed: 1)
        let split = try JobSplit(pack: pack, folds: folds, repeat: 0, fold: 0, selection: .last, fraction: 0.15, seed: 1)
        let model = try ModelFactory.make(ModelFactory.Spec(name: .baselineCNN, preset: "mini", classes: 3, frames: 32), seed: 2)
        let head = Set(try PretrainedImport.start(model, modelName: .baselineCNN, from: checkpoint).fresh)
        XCTAssertEqual(head, ["fc.weight", "fc.bias"])
        let settings = try ConfigLoader.load(yaml: """
            models: {run: [baseline_cnn], baseline_cnn: {init: resnet.pth}}
            trainer: {epochs: 2, batch_size: 8, freeze_epochs: 1, head_lr_scale: 10, selection: last, scheduler: {name: none}}
            """, source: "test").models.baselineCnn.trainer
        let snapshots = ParameterSnapshots(model)
        _ = try Trainer(model: model, settings: settings, classCount: 3, head: head)
            .fit(split.fitLoader(LoaderOptions(batchSize: 8, shuffle: true, dropLast: false, seed: 3)), selection: nil, observer: snapshots)
        let (before, frozen, thawed) = (snapshots.taken[0], snapshots.taken[1], snapshots.taken[2])
        for (name, values) in before {
            if head.contains(name) {
                XCTAssertNotEqual(frozen[name], values, "\(name) learns while the body is frozen")
            } else {
                XCTAssertEqual(frozen[name], values, "\(name) stays as the checkpoint had it during the frozen epoch")
            }
        }
        XCTAssertNotEqual(thawed["layer1.0.conv1.weight"], frozen["layer1.0.conv1.weight"], "the body learns after the frozen epoch")
    }
}

/// The model's parameters at the start and after every epoch.
private final class ParameterSnapshots: TrainerObserver {
    let model: Module
    private(set) var taken: [[String: [Float]]] = []

    init(_ model: Module) {
        self.model = model
        take()
    }

    func batchFinished(epoch: Int, batch: Int, of batches: Int, loss: Double) {}
    func epochFinished(_ record: EpochRecord) { take() }

    private func take() { taken.append(Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.tensor.scalars) })) }
}
