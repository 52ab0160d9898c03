import Optim
import Tensor
import XCTest

/// Learning-rate sequences against torch.optim.lr_scheduler, and a hand-checked warm-up.
final class SchedulerParityTests: XCTestCase {
    private let fixtures = OptimFixtures.shared

    private func optimizer(learningRate: Double) throws -> SGD {
        try SGD(parameters: [("w", Tensor.zeros([1]).requiringGrad())], learningRate: learningRate)
    }

    func testReduceLROnPlateauMatchesTorchExactly() throws {
        XCTAssertEqual(fixtures.plateau.count, 10)
        for fixture in fixtures.plateau {
            let o = fixture.options
            let optimizer = try optimizer(learningRate: fixture.initial_lr)
            let scheduler = try ReduceLROnPlateau(
                optimizer: optimizer, mode: ReduceLROnPlateau.Mode(rawValue: o.mode ?? "min")!, factor: o.factor ?? 0.1,
                patience: o.patience ?? 10, threshold: o.threshold ?? 1e-4,
                thresholdMode: ReduceLROnPlateau.ThresholdMode(rawValue: o.threshold_mode ?? "rel")!,
                cooldown: o.cooldown ?? 0, minLearningRate: o.min_lr ?? 0, eps: o.eps ?? 1e-8)
            let rates = fixture.metrics.enumerated().map { scheduler.step(epoch: $0.offset, metric: $0.element ?? .nan) }
            XCTAssertEqual(rates, fixture.lrs, fixture.name)
            XCTAssertEqual(optimizer.learningRate, fixture.lrs.last, fixture.name)
        }
    }

    func testCosineWithoutWarmupEqualsTorchClosedForm() throws {
        for fixture in fixtures.cosine {
            let optimizer = try optimizer(learningRate: fixture.initial_lr)
            let scheduler = try CosineAnnealing(optimizer: optimizer, epochs: fixture.options.epochs!,
                                                minLearningRate: fixture.options.min_lr!)
            let rates = [optimizer.learningRate] + (0..<fixture.epochs).map { scheduler.step(epoch: $0, metric: 0) }
            assertSequence(rates, closedForm: fixture.closed_form, stepped: fixture.stepped, fixture.name)
        }
    }

    func testStepDecayEqualsTorchClosedForm() throws {
        for fixture in fixtures.step_decay {
            let optimizer = try optimizer(learningRate: fixture.initial_lr)
            let scheduler = try StepDecay(optimizer: optimizer, stepSize: fixture.options.step_size!, gamma: fixture.options.gamma!)
            let rates = [optimizer.learningRate] + (0..<fixture.epochs).map { scheduler.step(epoch: $0, metric: 0) }
            assertSequence(rates, closedForm: fixture.closed_form, stepped: fixture.stepped, fixture.name)
        }
    }

    /// W = 3 warm-up epochs of T = 7 at base 0.8: 0.2, 0.4, 0.6, then the cosine over 4 epochs from 0.8
    /// to min 0.1 (cos(π/4) = √½, cos(π/2) = 0, cos(3π/4) = −√½).
    func testCosineWarmupFollowsTheDocumentedFormula() throws {
        let optimizer = try optimizer(learningRate: 0.8)
        let scheduler = try CosineAnnealing(optimizer: optimizer, epochs: 7, warmupEpochs: 3, minLearningRate: 0.1)
        let rates = [optimizer.learningRate] + (0..<7).map { scheduler.step(epoch: $0, metric: 0) }
        let half = 0.5.squareRoot()
        let expected = [0.2, 0.4, 0.6, 0.8, 0.1 + 0.7 * (1 + half) / 2, 0.45, 0.1 + 0.7 * (1 - half) / 2, 0.1]
        for (epoch, (rate, want)) in zip(rates, expected).enumerated() {
            XCTAssertEqual(rate, want, accuracy: 1e-15, "epoch \(epoch)")
        }
        XCTAssertThrowsError(try CosineAnnealing(optimizer: optimizer, epochs: 3, warmupEpochs: 3)) {
            XCTAssertEqual("\($0)", "CosineAnnealing: epochs = 3: must exceed the warm-up epochs (3)")
        }
    }

    /// Our closed form evaluates torch's expression in the same order: equal to the last bit, and
    /// within 1e-12 (relative to the base rate) of torch's recursive stepping.
    private func assertSequence(_ rates: [Double], closedForm: [Double], stepped: [Double], _ name: String) {
        XCTAssertEqual(rates, closedForm, name)
        for (epoch, (rate, torch)) in zip(rates, stepped).enumerated() {
            XCTAssertEqual(rate, torch, accuracy: 1e-12 * stepped[0], "\(name) epoch \(epoch) vs stepped")
        }
    }
}
