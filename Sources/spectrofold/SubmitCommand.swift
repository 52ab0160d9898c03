import ArgumentParser
import Cluster
import Config
import Data
import Foundation
import ModelNames
import TerminalProgress
import Tracking
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
        MLflow runs go to the coordinator's tracking server (its --mlflow), in --experiment. \
        With --refit --sweep ID --model M, trains model M of the ended sweep ID once more on all its data \
        on the cluster, as `spectrofold refit` does locally: into <sweep>/<model>/refit on the coordinator \
        and a child run <model>/refit under the sweep's parent run.
        """)

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var configuration: ConfigOptions
    @OptionGroup var flags: SweepFlags
    @Option(help: ArgumentHelp("Where raw data is featurised before upload.", valueName: "DIR")) var packDir = ".spectrofold/packs"
    @Flag(help: "Wait for the sweep to end, showing progress; print the comparison.") var wait = false
    @Flag(help: "Refit --model of the ended sweep --sweep on all its data (no configuration is read).") var refit = false
    @Option(help: ArgumentHelp("""
        The new sweep's id (default NAME-8 hex digits); an id the coordinator already has with the same data \
        follows that sweep (a requeued Slurm job resumes its sweep so). With --refit: the ended sweep's id, as submit printed it.
        """, valueName: "ID")) var sweep: String?
    @Option(help: ArgumentHelp("With --refit: the model to train on all the data.", valueName: "NAME")) var model: ModelName?
    @Option(help: ArgumentHelp("With --refit --wait: register the refit model in MLflow's model registry under NAME.", valueName: "NAME"))
    var register: String?
    @Option(help: ArgumentHelp("With --register: the tracking server the coordinator records to (else MLFLOW_TRACKING_URI).", valueName: "URI"))
    var mlflow: String?

    func validate() throws {
        guard refit == (model != nil) && (!refit || sweep != nil) else { throw ValidationError("--refit, --sweep ID and --model NAME go together") }
        if let sweep, !SubmitReceipt.isSweepID(sweep) {
            throw ValidationError("--sweep '\(sweep)': a sweep id names a folder on the coordinator: ASCII letters, digits, '.', '_' and '-', not starting with '.'")
        }
        guard !refit || (configuration.file == nil && configuration.overrides.isEmpty && flags.overrides.isEmpty) else {
            throw ValidationError("--refit takes the sweep's own configuration: drop --config, --set and the sweep flags but --experiment")
        }
        guard register == nil || (refit && wait) else { throw ValidationError("--register goes with --refit --wait") }
    }

    func run() throws {
        if refit { return try submitRefit(sweep: sweep!, model: model!) }
        let config = try configuration.load(flagOverrides: flags.overrides)
        let (pack, packPath) = try featurePack(config)
        let folds = try FoldAssignment.repeated(config.folds.strategy, pack: pack, k: config.folds.k, repeats: config.folds.repeats,
                                                seed: UInt64(config.seed))
        print("hashing \(packPath)")
        let digest = try DatasetDirectory.digest(ofFileAt: packPath)
        let environment = ProcessInfo.processInfo.environment
        let experiment = [flags.experiment, config.tracking.experiment, environment["MLFLOW_EXPERIMENT_NAME"]]
            .compactMap { $0 }.first { !$0.isEmpty } ?? "spectrofold"
        let starts = try PretrainedStart.starts(of: config)
        let plan = try SweepPlan(id: sweep ?? "\(config.name)-\(UUID().uuidString.prefix(8).lowercased())", experiment: experiment, config: config,
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
              + "(\(plan.models.map(\.rawValue).joined(separator: ", ")) × \(folds.count > 1 ? "\(folds.count) repeats × " : "")\(config.folds.k) folds), dataset \(digest.prefix(12))…, experiment '\(experiment)'")
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

    /// Queues the refit and, with --wait, follows the sweep until it has ended again.
    private func submitRefit(sweep: String, model: ModelName) throws {
        let client = try cluster.client()
        let receipt = try client.refit(sweep: sweep, model: model.rawValue)
        print(receipt.created ? "refit \(Refit.path(model)) of sweep \(sweep) queued on \(cluster.coordinator)"
                              : "refit \(Refit.path(model)) of sweep \(sweep) was queued already")
        guard wait else {
            print("follow it with: spectrofold status --coordinator \(cluster.coordinator) --sweep \(sweep) --watch")
            return
        }
        let final = try SweepWatcher(client: client, sweep: sweep).waitForEnd()
        if let failure = final.failures.first(where: { $0.job == "\(sweep)/\(Refit.path(model))" }) {
            print("FAILED \(failure.job): \(failure.reason)")
            throw ExitCode(1)
        }
        print("\(Refit.path(model)) trained; its model is in \((final.resultsDirectory as NSString).appendingPathComponent(Refit.path(model))) on the coordinator")
        if let run = final.mlflowRun { print("MLflow: child run \(Refit.path(model)) under \(run)") }
        guard let register else { return }
        let settings: TrackingSettings
        do {
            settings = try TrackingSettings.resolve(flagURI: mlflow, flagExperiment: flags.experiment, configURI: nil, configExperiment: nil,
                                                    environment: ProcessInfo.processInfo.environment)
        } catch TrackingSettingsError.noTrackingURI {
            throw ValidationError("--register needs MLflow: --mlflow URI or MLFLOW_TRACKING_URI")
        }
        let registered = try ModelRegistration.registerDelivered(job: Refit.path(model), sweepId: sweep, as: register, settings: settings, timeout: 120)
        print("registered model '\(register)' version \(registered.version) (run \(registered.runId), source \(registered.artifactURI)/model)")
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
