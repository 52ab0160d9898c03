import ArgumentParser
import Cluster
import Foundation
import ProcessHarness

/// `spectrofold-bench soak`: sweeps on a local cluster of real processes (an MLflow server, a
/// `spectrofold-coordinator`, N `spectrofold-worker`s; the binaries beside this one) while
/// faults drawn from a seed hit them (`FaultKind`), overlapping; then, once every sweep ended
/// and the outboxes drained, the checks of `SoakAudit`, printed as one JSON object. Exits 1 on
/// any lost or duplicated job, run or epoch point.
struct SoakBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak", abstract: "Run sweeps on a local cluster under random faults; check that nothing is lost or done twice.",
        discussion: """
        Needs a Python with mlflow (`source scripts/lib/deps.sh; ensure_python_env` exports it as \
        SPECTROFOLD_PYTHON). Retries are not capped (the coordinator runs with --max-attempts \
        1000000). Sweeps are submitted one after another on a synthetic feature pack, two at a \
        time in the queue, until the last fault; the run then waits for them to end.
        """)

    @Option(help: "Faults to inject.") var faults = 200
    @Option(help: "Seed of the faults' kinds, targets, durations and pauses.") var seed: UInt64 = 1
    @Option(help: "Worker processes.") var workers = 2
    @Option(help: ArgumentHelp("Also write the JSON report to FILE.", valueName: "FILE")) var out: String?
    @Option(help: "Models of each sweep, comma-separated (mini presets).") var models = "baseline_cnn,cnn_mlp,cnn_attention,ast"
    @Option(help: "Folds of each sweep.") var folds = 2
    @Option(help: "Epochs of each job.") var epochs = 2
    @Option(help: "Seconds a lease lasts without a heartbeat (a frozen worker stays stopped 1–4 s longer).") var leaseSeconds = 4.0
    @Option(help: "Seconds to wait, after the last fault, for the sweeps to end and the outboxes to drain.") var drainTimeout = 900.0
    @Option(help: ArgumentHelp("A Python with mlflow (default: $SPECTROFOLD_PYTHON).", valueName: "PATH")) var python: String?
    @Option(help: ArgumentHelp("Keep the run's state and logs in DIR (default: a temporary directory, kept only when a check fails).",
                               valueName: "DIR")) var keep: String?

    func validate() throws {
        guard faults >= 0, workers >= 1, folds >= 2, epochs >= 1 else {
            throw ValidationError("--faults ≥ 0, --workers ≥ 1, --folds ≥ 2 and --epochs ≥ 1")
        }
        guard leaseSeconds >= 3 else { throw ValidationError("--lease-seconds must be at least 3 (the coordinator's minimum)") }
    }

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        guard let python = python ?? ProcessInfo.processInfo.environment["SPECTROFOLD_PYTHON"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw ValidationError("no Python with mlflow: pass --python, or `source scripts/lib/deps.sh; ensure_python_env` first")
        }
        let directory = keep ?? NSTemporaryDirectory() + "spectrofold-soak-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let cluster = try SoakCluster(directory: directory, python: python, workers: workers,
                                      coordinatorArguments: ["--max-attempts", "1000000", "--lease-seconds", String(leaseSeconds)])
        var report: [String: Any] = [:]
        do {
            report = try soak(cluster)
        } catch {
            cluster.stopAll()
            log("the soak stopped: \(error)\nfiles kept in \(directory)")
            throw ExitCode(2)
        }
        cluster.stopAll()
        let text = String(decoding: try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
        print(text)
        if let out { try (text + "\n").write(toFile: out, atomically: true, encoding: .utf8) }
        guard report["ok"] as? Bool == true else {
            log("checks failed; files kept in \(directory)")
            throw ExitCode(1)
        }
        if keep == nil { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// Starts the cluster, runs the faults, waits for the end and audits; the report as JSON.
    private func soak(_ cluster: SoakCluster) throws -> [String: Any] {
        let started = Date()
        try syntheticPack(count: 60, classes: 3, frames: 48, seed: 11).write(to: cluster.path("pack.safetensors"))
        try cluster.startAll()
        log("soak in \(cluster.directory): MLflow \(cluster.mlflow.uri), coordinator \(cluster.endpoint), \(workers) workers")
        let injector = FaultInjector(cluster: cluster, seed: seed, leaseSeconds: leaseSeconds)
        var submitted = 0, failedSubmits = 0
        var nextFault = Date().addingTimeInterval(injector.nextPause())
        while injector.total < faults {
            try injector.recover(now: Date())
            if cluster.isRunning("coordinator"), try unfinishedSweeps(cluster) ?? 2 < 2 {
                if try submit(cluster, number: submitted + 1) {
                    submitted += 1
                    failedSubmits = 0
                } else {
                    failedSubmits += 1
                    guard failedSubmits < 5 else { throw SoakError("5 submits in a row failed\n" + cluster.logTails()) }
                }
            }
            if submitted > 0, Date() >= nextFault {
                if let kind = try injector.inject(log: log) { log("fault \(injector.total)/\(faults): \(kind.rawValue)") }
                nextFault = Date().addingTimeInterval(injector.nextPause())
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let faultSeconds = Date().timeIntervalSince(started)
        try injector.recover(now: Date(), all: true)
        do { try cluster.mlflow.waitUntilHealthy() } catch { try cluster.mlflow.restart() }  // a start that failed: once more
        log("last fault injected; waiting for \(submitted) sweeps and the outboxes")
        let deadline = Date().addingTimeInterval(drainTimeout)
        try waitUntil("every sweep ended", deadline, cluster) { try unfinishedSweeps(cluster) == 0 }
        try waitUntil("the outboxes drained", deadline, cluster) { try SoakAudit.outboxes(stateDirectory: cluster.stateDirectory).pending == 0 }
        return try audit(cluster, injector: injector, faultSeconds: faultSeconds, totalSeconds: Date().timeIntervalSince(started))
    }

    /// The ledger, outbox and MLflow checks, with the problems that fail the run.
    private func audit(_ cluster: SoakCluster, injector: FaultInjector, faultSeconds: Double, totalSeconds: Double) throws -> [String: Any] {
        let ledger = try SoakAudit.ledger(stateDirectory: cluster.stateDirectory)
        let outboxes = try SoakAudit.outboxes(stateDirectory: cluster.stateDirectory)
        let mlflow = try SoakAudit.mlflow(python: cluster.mlflow.python, uri: cluster.mlflow.uri, experiment: Self.experiment,
                                          attemptKeys: ledger.attemptKeys)
        var problems: [String] = []
        func check(_ name: String, _ items: [Any]) { if !items.isEmpty { problems.append("\(name): \(items.count)") } }
        check("jobs lost", ledger.jobsLost)
        check("jobs done twice", ledger.jobsDoneTwice)
        check("outbox events rejected", outboxes.rejected)
        for key in ["jobs_without_one_finished_child", "duplicate_run_keys", "attempts_missing", "children_not_in_ledger",
                    "duplicated_epoch_points", "parents_not_finished", "aggregate_mismatches"] {
            check("MLflow \(key)", mlflow[key] as? [Any] ?? ["(missing)"])
        }
        if mlflow["parents"] as? Int != ledger.sweeps { problems.append("MLflow parents: \(mlflow["parents"] ?? "?") for \(ledger.sweeps) sweeps") }
        return [
            "seed": seed, "workers": workers, "faults_requested": faults,
            "faults": Dictionary(uniqueKeysWithValues: FaultKind.allCases.map { ($0.rawValue, injector.injected[$0] ?? 0) }),
            "faults_total": injector.total, "fault_phase_s": (faultSeconds * 10).rounded() / 10, "wall_s": (totalSeconds * 10).rounded() / 10,
            "sweeps": ledger.sweeps, "jobs": ledger.jobs, "attempts": ledger.attempts, "attempts_by_outcome": ledger.attemptsByOutcome,
            "attempt_end_reasons": ledger.endReasons,
            "jobs_lost": ledger.jobsLost.count, "lost_jobs": ledger.jobsLost,
            "jobs_done_twice": ledger.jobsDoneTwice.count, "jobs_done_twice_ids": ledger.jobsDoneTwice,
            "outbox_pending": outboxes.pending, "outbox_rejected": outboxes.rejected,
            "mlflow": mlflow, "problems": problems, "ok": problems.isEmpty,
        ]
    }

    static let experiment = "soak"

    /// `spectrofold submit` of one small sweep on the synthetic pack; false when it failed
    /// (retried on the next round).
    private func submit(_ cluster: SoakCluster, number: Int) throws -> Bool {
        let status = try cluster.run("submit", [
            "submit", "--coordinator", cluster.endpoint, "--data", cluster.path("pack.safetensors"), "--models", models,
            "--folds", String(folds), "--epochs", String(epochs), "--experiment", Self.experiment,
            "--set", "name=soak-\(number)", "--set", "trainer.batch_size=8", "--set", "trainer.early_stopping.patience=0",
        ])
        log(status == 0 ? "sweep \(number) submitted" : "submit of sweep \(number) exited \(status) (see submit.log)")
        return status == 0
    }

    /// Sweeps not finished, from the coordinator; nil when it does not answer (down or restarting).
    private func unfinishedSweeps(_ cluster: SoakCluster) throws -> Int? {
        guard let status = try? ClusterClient(endpoint: cluster.endpoint, security: nil, timeout: 5).status() else { return nil }
        return status.sweeps.filter { !$0.finished }.count
    }

    private func waitUntil(_ what: String, _ deadline: Date, _ cluster: SoakCluster, _ condition: () throws -> Bool) throws {
        while try !condition() {
            guard Date() < deadline else { throw SoakError("timed out waiting until \(what)\n" + cluster.logTails()) }
            Thread.sleep(forTimeInterval: 1)
        }
    }

    private func log(_ line: String) {
        FileHandle.standardError.write(Data("soak: \(line)\n".utf8))
    }
}
