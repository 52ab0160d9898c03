import Config
import Foundation
import RunRecords
import TerminalProgress
import Training

/// Draws a sweep's progress: a bar per job over its batches (all epochs) and a line per epoch,
/// and the sweep's own count of jobs done with its ETA.
final class SweepProgress: SweepObserver {
    private let sweepBar: ProgressBar
    private let config: SweepConfig
    private var jobsDone = 0
    private var paths: [JobKey: String] = [:]

    init(jobs: Int, config: SweepConfig) {
        sweepBar = ProgressBar(title: "sweep", total: jobs, unit: "jobs", isTerminal: false)
        self.config = config
    }

    func jobStarted(_ key: JobKey, path: String, params: [String: String]) -> TrainerObserver? {
        paths[key] = path
        return JobProgress(title: path, epochs: config.models.settings(for: key.model).trainer.epochs)
    }

    func jobFinished(_ outcome: JobOutcome, artifacts: JobArtifacts?) {
        jobsDone += 1
        let path = paths[outcome.key] ?? outcome.key.path(repeats: 1)
        if outcome.status == .finished {
            print(String(format: "%@: held-out accuracy %.4f, f1_weighted %.4f, chosen epoch %d, %.1f s", path as NSString,
                         outcome.metrics[.accuracy] ?? 0, outcome.metrics[.f1Weighted] ?? 0, (outcome.bestEpoch ?? 0) + 1, outcome.seconds))
        } else {
            print("\(path): FAILED: \(outcome.error ?? "")")
        }
        sweepBar.update(completed: jobsDone)
    }

    func finish() { sweepBar.finish() }
}

/// One job's bar over all of its batches, and a plain line per epoch.
final class JobProgress: TrainerObserver {
    private let title: String
    private let epochs: Int
    private var bar: ProgressBar?

    init(title: String, epochs: Int) {
        self.title = title
        self.epochs = epochs
    }

    func batchFinished(epoch: Int, batch: Int, of batches: Int, loss: Double) {
        if bar == nil { bar = ProgressBar(title: title, total: epochs * batches, unit: "batches") }
        bar?.update(completed: epoch * batches + batch)
    }

    func epochFinished(_ r: EpochRecord) {
        let selection = r.valLoss.map { loss in
            String(format: " | selection loss %.4f acc %.4f f1 %.4f", loss, r.valAccuracy ?? 0, r.valF1Weighted ?? 0)
        } ?? ""
        print(String(format: "\n%@ epoch %d: train loss %.4f acc %.4f%@ | lr %.2e | %.1f s",
                     title as NSString, r.epoch + 1, r.trainLoss, r.trainAccuracy, selection as NSString, r.learningRate, r.seconds))
    }
}
