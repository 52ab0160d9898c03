import ArgumentParser
import Cluster
import Config
import Data
import Foundation
import TerminalProgress
import Training

/// `spectrofold submit`: hands a sweep to a coordinator (preparing the feature pack here, and
/// uploading it and the models' checkpoints when the coordinator lacks them); `--wait` follows
/// it to the end.
struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a comparison sweep to a coordinator; its workers train the model × fold jobs.",
        discussion: """
        Takes the same configuration and flags as `spectrofold sweep`. Raw audio is featurised here \
        into --pack-dir; the pack and the models' `init` checkpoints travel to the coordinator by \
        their SHA-256 (only those it lacks), and workers fetch them from it the same way. \
        With --wait, shows progress and exits non-zero when a job failed. \
        MLflow runs go to the coordinator's tracking server (its --mlflow), in --experiment.
        """)

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var configuration: ConfigOptions
    @OptionGroup var flags: SweepFlags
    @Option(help: ArgumentHelp("Where raw data is featurised before upload.", valueName: "DIR")) var packDir = ".spectrofold/packs"
    @Flag(help: "Wait for the sweep to end, showing progress; print the comparison.") var wait = false

    func run() throws {
        let config = try configuration.load(flagOverrides: flags.overrides)
        let (pack, packPath) = try featurePack(config)
        let folds = try FoldAssignment.repeated(try config.foldStrategy, pack: pack, k: config.folds.k, repeats: config.folds.repeats,
                                                seed: UInt64(config.seed))
        print("hashing \(packPath)")
        let digest = try DatasetDirectory.digest(ofFileAt: packPath)
        let environment = ProcessInfo.processInfo.environment
        let experiment = [flags.experiment, config.tracking.experiment, environment["MLFLOW_EXPERIMENT_NAME"]]
            .compactMap { $0 }.first { !$0.isEmpty } ?? "spectrofold"
        let starts = try PretrainedStart.starts(of: config)
        let plan = try SweepPlan(id: "\(config.name)-\(UUID().uuidString.prefix(8).lowercased())", experiment: experiment, config: config,
                                 pack: pack, dataset: digest, datasetSource: config.data.source, folds: folds, starts: starts)
        let client = try cluster.client()
        var bar: (path: String, bar: ProgressBar)?
        let checkpoints = Dictionary(starts.values.map { ($0.reference.digest, $0.checkpoint.source) }) { first, _ in first }
        let receipt = try client.submit(sweep: plan.id, plan: [UInt8](try JSONEncoder().encode(plan)), datasetPath: packPath, digest: digest,
                                        files: checkpoints) { path, sent, total in
            if bar?.path != path {
                bar?.bar.finish()
                bar = (path, ProgressBar(title: "upload \((path as NSString).lastPathComponent)", total: (total + (1 << 20) - 1) >> 20, unit: "MiB"))
            }
            bar?.bar.update(completed: (sent + (1 << 20) - 1) >> 20)
        }
        bar?.bar.finish()
        print("submitted sweep \(receipt.sweep) to \(cluster.coordinator): \(plan.jobs.count) jobs "
              + "(\(plan.models.joined(separator: ", ")) × \(folds.count > 1 ? "\(folds.count) repeats × " : "")\(config.folds.k) folds), dataset \(digest.prefix(12))…, experiment '\(experiment)'")
        guard wait else {
            print("follow it with: spectrofold status --coordinator \(cluster.coordinator) --sweep \(receipt.sweep) --watch")
            return
        }
        let final = try SweepWatcher(client: client, sweep: receipt.sweep).waitForEnd()
        print("\n" + (final.comparison ?? "(no comparison table: no job finished)"))
        print(String(format: "sweep %@: %d done, %d failed in %.1f s; results on the coordinator in %@", final.id as NSString,
                     final.done, final.failed, final.elapsedSeconds, final.resultsDirectory as NSString))
        if let run = final.mlflowRun { print("MLflow parent run: \(run)") }
        if !final.failures.isEmpty {
            for failure in final.failures { print("FAILED \(failure.job): \(failure.reason)") }
            throw ExitCode(1)
        }
    }

    /// The pack to submit and its file: a `.safetensors` source as is, raw data featurised into --pack-dir.
    private func featurePack(_ config: SweepConfig) throws -> (FeaturePack, String) {
        let source = config.data.source
        if source.hasSuffix(".safetensors") { return (try PackPreparation.featurePack(config, cacheDirectory: packDir), source) }
        let directory = (packDir as NSString).appendingPathComponent(config.name)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return (try PackPreparation.featurePack(config, cacheDirectory: directory), (directory as NSString).appendingPathComponent("features.safetensors"))
    }
}

/// Follows one sweep through STATUS until it ends: a bar over its jobs and a line whenever a
/// job starts on a worker, ends, or loses its worker. Rides out a coordinator restart.
struct SweepWatcher {
    let client: ClusterClient
    let sweep: String

    func waitForEnd() throws -> StatusReport.Sweep {
        var bar: ProgressBar?
        var seen: Set<String> = []
        var failedAttempts = 0
        var unreachable = false
        // On a terminal the bar is redrawn in place: a line of news starts below it.
        let newline = isatty(STDOUT_FILENO) != 0 ? "\n" : ""
        while true {
            let report: StatusReport
            do {
                report = try client.status(sweep: sweep)
                unreachable = false
            } catch let error as CoordinatorUnreachable {
                if !unreachable { print(newline + "\(error); still trying") }
                unreachable = true
                continue
            }
            guard let status = report.sweeps.first else { throw ClusterError("the coordinator no longer knows sweep \(sweep)") }
            if bar == nil { bar = ProgressBar(title: sweep, total: status.total, unit: "jobs") }
            for job in status.running where seen.insert("\(job.job)#\(job.attempt)").inserted {
                print(newline + "\(job.job) attempt \(job.attempt) on \(job.worker)")
            }
            if status.failedAttempts > failedAttempts {
                print(newline + "\(status.failedAttempts - failedAttempts) attempt(s) ended without a result; their jobs were requeued or failed")
                failedAttempts = status.failedAttempts
            }
            bar?.update(completed: status.done + status.failed)
            if status.finished {
                bar?.finish()
                return status
            }
            Thread.sleep(forTimeInterval: 1)
        }
    }
}
