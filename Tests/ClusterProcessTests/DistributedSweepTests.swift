import Cluster
import Foundation
import TestSupport
import XCTest

/// Sweeps through real coordinator, worker and client processes over real sockets, recorded in
/// a real MLflow server, with faults injected into the processes.
final class DistributedSweepTests: ClusterProcessTestCase {
    private static var started: Result<MLflowServer, Error>?
    override class func setUp() {
        started = MLflowServer.startInTemporaryDirectory()
    }

    override class func tearDown() {
        (try? started?.get())?.stopAndRemoveStore()
    }

    /// The MLflow server (fresh experiment per test: each test deletes the last one's runs).
    private func mlflow() throws -> MLflowServer {
        let server: MLflowServer
        switch Self.started {
        case .success(let running)?: server = running
        case .failure(let error)?: throw RealComponent.unavailable("the MLflow server", "\(error)")
        case nil: throw RealComponent.unavailable("the MLflow server", "never started")
        }
        _ = try TestPython.run("""
        import sys
        from mlflow.tracking import MlflowClient
        client = MlflowClient(tracking_uri=sys.argv[1])
        experiment = client.get_experiment_by_name("cluster-tests")
        if experiment:
            for run in client.search_runs([experiment.experiment_id], max_results=1000):
                client.delete_run(run.info.run_id)
        """, arguments: [server.uri])
        return server
    }

    func testFourModelsByThreeFoldsOnTwoWorkers() throws {
        let server = try mlflow()
        try harness.startCluster(["--mlflow", server.uri])
        let started = Date()
        try harness.submit(models: ["baseline_cnn", "cnn_mlp", "cnn_attention", "ast"], folds: 3, epochs: 2)
        XCTAssertEqual(try harness.waitForExit("submit", timeout: 600), 0, harness.logTails())
        print("4 × 3 sweep on 2 workers: \(String(format: "%.1f", Date().timeIntervalSince(started))) s wall time")
        let attempts = try harness.checkSweepCompleted(jobs: 12)
        XCTAssertEqual(attempts.count, 12, "no fault, no retry: \(attempts)")
        XCTAssertEqual(Set(attempts.map(\.worker)), ["w1", "w2"], "both workers trained")
        // Longest expected job first: at equal epochs cnn_attention costs the most per example (a
        // finished job's pace applies to its model and, until theirs finish, to the others alike).
        let firstLeased = try harness.ledger().query("SELECT job FROM attempts ORDER BY started LIMIT 2").map { $0["job"].string ?? "" }
        XCTAssertTrue(firstLeased.count == 2 && firstLeased.allSatisfy { $0.contains("/cnn_attention/") }, "\(firstLeased)")
        let submit = harness.log("submit")
        XCTAssertTrue(submit.contains("| baseline_cnn | 3 |") && submit.contains("MLflow parent run: \(server.uri)/#/experiments/"), submit)
        try harness.checkMLflow(server, attempts: attempts, epochs: 2)
        let status = try harness.status()
        XCTAssertEqual(status.workers.map(\.state), ["alive", "alive"])
        XCTAssertEqual(status.sweeps.first?.done, 12)
    }

    /// MLflow down for part of the sweep: the coordinator's outbox keeps every event and delivers
    /// them once it is back; the sweep itself never waits for it.
    func testAnMLflowOutageLosesNoRunAndNoMetric() throws {
        let server = try mlflow()
        try harness.startCluster(["--mlflow", server.uri])
        try harness.submit(models: ["baseline_cnn", "cnn_mlp"], folds: 2, epochs: 6)
        _ = try harness.waitUntilTraining("w1", epochs: 1)
        server.stop()
        XCTAssertEqual(try harness.waitForExit("submit", timeout: 600), 0, harness.logTails())
        let attempts = try harness.checkSweepCompleted(jobs: 4)
        try server.start()
        try harness.checkMLflow(server, attempts: attempts, epochs: 6)
    }

    /// A second sweep on the same data: no upload (the coordinator holds the digest), no fetch
    /// (the workers' caches hold it); `spectrofold status` shows running jobs, then the end.
    func testASecondSweepOnTheSameDataMovesNoDataAndStatusFollowsIt() throws {
        try harness.startCluster(workers: ["w1"])
        try harness.submit(models: ["baseline_cnn"], folds: 2, epochs: 1)
        XCTAssertEqual(try harness.waitForExit("submit", timeout: 300), 0, harness.logTails())
        XCTAssertTrue(harness.log("submit").contains("upload pack.safetensors: "))
        try harness.submit(models: ["cnn_mlp"], folds: 2, epochs: 12)
        _ = try harness.waitUntilTraining("w1", epochs: 2)
        // Frozen (well within its liveness limit) so that its job is still running when asked.
        harness.signal("w1", SIGSTOP)
        let status = try ChildProcess.run(try BuiltProducts.executable("spectrofold"), arguments: ["status", "--coordinator", harness.endpoint])
        harness.signal("w1", SIGCONT)
        XCTAssertEqual(status.status, 0, status.standardError)
        // Either fold first: the longer expected one is leased first, and the folds differ in size.
        XCTAssertTrue(status.standardOutput.contains("1 of 1 workers alive")
                      && status.standardOutput.range(of: "/cnn_mlp/fold-[01] attempt 1 on w1: epoch ", options: .regularExpression) != nil,
                      status.standardOutput)
        XCTAssertTrue(status.standardOutput.contains("; ETA "), status.standardOutput)
        XCTAssertEqual(try harness.waitForExit("submit", timeout: 300), 0, harness.logTails())
        XCTAssertFalse(harness.log("submit").contains("upload "), harness.log("submit"))
        XCTAssertEqual(harness.log("w1").components(separatedBy: " cached").count - 1, 1, "one fetch: " + harness.log("w1"))
        let json = try ChildProcess.run(try BuiltProducts.executable("spectrofold"), arguments: ["status", "--coordinator", harness.endpoint, "--json"])
        let report = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
        let sweeps = report?["sweeps"] as? [[String: Any]] ?? []
        XCTAssertEqual(sweeps.map { $0["done"] as? Int }, [2, 2], json.standardOutput)
        XCTAssertEqual(sweeps.map { $0["finished"] as? Bool }, [true, true])
        XCTAssertTrue((sweeps.last?["comparison"] as? String)?.contains("| cnn_mlp | 2 |") == true, json.standardOutput)
    }

    /// A coordinator that recorded nothing in MLflow (here: started without it, the extreme of a
    /// crash between ledger and outbox) replays the sweep from its ledger when restarted: the
    /// layout ends complete, every event once.
    func testARestartedCoordinatorReplaysWhatItsOutboxMissed() throws {
        let server = try mlflow()
        try harness.startCluster()
        try harness.submit(models: ["baseline_cnn", "cnn_mlp"], folds: 2, epochs: 12)
        try harness.waitFor("a job done", timeout: 120) {
            try !harness.ledger().query("SELECT 1 FROM results").isEmpty
        }
        _ = try harness.waitUntilTraining("w1", epochs: 1)
        harness.signal("coordinator", SIGKILL)
        try harness.startCoordinator(["--mlflow", server.uri])
        XCTAssertEqual(try harness.waitForExit("submit", timeout: 600), 0, harness.logTails())
        let attempts = try harness.checkSweepCompleted(jobs: 4)
        try harness.checkMLflow(server, attempts: attempts, epochs: 12)
    }

    /// Two clients uploading different packs at the same time both get their sweep.
    func testTwoClientsUploadingDifferentPacksAtOnceBothGetTheirSweep() throws {
        try harness.startCluster(workers: ["w1"])
        let packs = try [21, 22].map { seed -> String in
            let path = harness.directory.file("big-\(seed).safetensors")
            try syntheticPack(count: 480, classes: 3, frames: 48, seed: UInt64(seed)).write(to: path)
            return path
        }
        try harness.submit(models: ["baseline_cnn"], folds: 2, epochs: 1, name: "submit-a", data: packs[0])
        try harness.submit(models: ["baseline_cnn"], folds: 2, epochs: 1, name: "submit-b", data: packs[1])
        XCTAssertEqual(try harness.waitForExit("submit-a", timeout: 300), 0, harness.logTails())
        XCTAssertEqual(try harness.waitForExit("submit-b", timeout: 300), 0, harness.logTails())
        let sweeps = try harness.status().sweeps
        XCTAssertEqual(sweeps.map(\.done), [2, 2])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: harness.stateDirectory + "/datasets").filter { $0.count == 64 }.count, 2)
        XCTAssertEqual(harness.log("coordinator").components(separatedBy: "uploaded and verified").count - 1, 2, harness.log("coordinator"))
    }

    /// The same configuration, pack, checkpoints and thread count give the same numbers, bit for
    /// bit, whether the jobs run in `spectrofold sweep --local` or on a cluster worker. The
    /// worker gets the checkpoints by digest from the coordinator (they are gone from the
    /// submitting side once uploaded), and every child run names the file it started from.
    func testAClusterSweepReproducesTheLocalSweepExactly() throws {
        let server = try mlflow()
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("PretrainedTests/Fixtures")
        let (resnet, deit) = (harness.directory.file("resnet18.pth"), harness.directory.file("deit-tiny.safetensors"))
        try FileManager.default.copyItem(atPath: fixtures.appendingPathComponent("torchvision-resnet18-w16.pth").path, toPath: resnet)
        try FileManager.default.copyItem(atPath: fixtures.appendingPathComponent("timm-deit-distilled-d64.safetensors").path, toPath: deit)
        let digests = try [resnet, deit].map { try DatasetDirectory.digest(ofFileAt: $0) }
        let inits = ["--set", "models.baseline_cnn.init=\(resnet)", "--set", "models.ast.init=\(deit)"]
        let settings = ["--models", "baseline_cnn,ast", "--folds", "2", "--epochs", "3", "--set", "name=cluster-test",
                        "--set", "trainer.batch_size=8", "--set", "trainer.early_stopping.patience=0"] + inits
        let local = try ChildProcess.run(try BuiltProducts.executable("spectrofold"), arguments: [
            "sweep", "--local", "--data", harness.packPath, "--out", harness.directory.file("local"), "--no-tracking"] + settings)
        XCTAssertEqual(local.status, 0, local.standardError)
        let localRefit = try ChildProcess.run(try BuiltProducts.executable("spectrofold"), arguments: [
            "refit", "--sweep", harness.directory.file("local"), "--model", "baseline_cnn", "--no-tracking"])
        XCTAssertEqual(localRefit.status, 0, localRefit.standardOutput + localRefit.standardError)
        try harness.startCoordinator(["--mlflow", server.uri])
        try harness.startWorker("w1", threads: threads)
        try harness.submit(models: ["baseline_cnn", "ast"], folds: 2, epochs: 3, inits)
        try harness.waitFor("the submission", timeout: 120) { self.harness.log("submit").contains("submitted sweep") }
        for file in [resnet, deit] { try FileManager.default.removeItem(atPath: file) }
        XCTAssertEqual(try harness.waitForExit("submit", timeout: 300), 0, harness.logTails())
        let attempts = try harness.checkSweepCompleted(jobs: 4)
        for digest in digests {
            XCTAssertTrue(FileManager.default.fileExists(atPath: harness.stateDirectory + "/datasets/\(digest)"), "the coordinator holds \(digest)")
            XCTAssertTrue(FileManager.default.fileExists(atPath: harness.directory.file("cache-w1/\(digest)")), "the worker fetched \(digest)")
        }
        func jobs(_ file: String) throws -> [String: [String: Any]] {
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any]
            let jobs = json?["jobs"] as? [[String: Any]] ?? []
            return Dictionary(uniqueKeysWithValues: jobs.map { ("\($0["model"]!)/fold-\($0["fold"]!)", $0) })
        }
        let sweep = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: harness.stateDirectory + "/sweeps").first)
        let (cluster, reference) = (try jobs(harness.stateDirectory + "/sweeps/\(sweep)/results.json"), try jobs(harness.directory.file("local/results.json")))
        XCTAssertEqual(cluster.count, 4)
        let expectedInit = ["baseline_cnn": "resnet18.pth sha256:\(digests[0])", "ast": "deit-tiny.safetensors sha256:\(digests[1])"]
        for job in ["baseline_cnn/fold-0", "baseline_cnn/fold-1", "ast/fold-0", "ast/fold-1"] {
            XCTAssertEqual(cluster[job]?["metrics"] as? [String: Double], reference[job]?["metrics"] as? [String: Double], job)
            let params = (cluster[job]?["params"] as? [String: String]) ?? [:]
            XCTAssertEqual(params["init"], expectedInit[String(job.prefix { $0 != "/" })], job)
            XCTAssertEqual(params["init"], (reference[job]?["params"] as? [String: String])?["init"], job)
            let splits = try [harness.stateDirectory + "/sweeps/\(sweep)", harness.directory.file("local")].map {
                try String(contentsOfFile: "\($0)/\(job)/split.json", encoding: .utf8)
            }
            XCTAssertEqual(splits[0], splits[1], "\(job): the same fit, selection and held-out rows")
            // The model card travels from the worker: the same weights, named with the coordinator's sweep id.
            let cards = try [harness.stateDirectory + "/sweeps/\(sweep)", harness.directory.file("local")].map {
                try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\($0)/\(job)/spectrofold-model.json"))) as? [String: Any])
            }
            XCTAssertEqual((cards[0]["state_dict"] as? [String: String])?["sha256"], (cards[1]["state_dict"] as? [String: String])?["sha256"], job)
            XCTAssertEqual((cards[0]["sweep"] as? [String: String])?["id"], sweep)
            let inspect = try ChildProcess.run(try BuiltProducts.executable("spectrofold"),
                                               arguments: ["inspect", harness.stateDirectory + "/sweeps/\(sweep)/\(job)"])
            XCTAssertEqual(inspect.status, 0, inspect.standardOutput + inspect.standardError)
        }
        try harness.checkMLflow(server, attempts: attempts, epochs: 3)
        let logged = try TestPython.run("""
            import sys
            from mlflow.tracking import MlflowClient
            client = MlflowClient(tracking_uri=sys.argv[1])
            experiment = client.get_experiment_by_name("cluster-tests")
            for run in client.search_runs([experiment.experiment_id]):
                # A job's accepted attempt; an attempt lost to a silent worker under load may add a FAILED one.
                if "mlflow.parentRunId" in run.data.tags and run.info.status == "FINISHED":
                    print(run.info.run_name, run.data.params.get("init"), run.data.params.get("init_format"))
            """, arguments: [server.uri])
        XCTAssertEqual(Set(logged.split(separator: "\n").map(String.init)), [
            "baseline_cnn/fold-0 \(expectedInit["baseline_cnn"]!) torchvision_resnet", "baseline_cnn/fold-1 \(expectedInit["baseline_cnn"]!) torchvision_resnet",
            "ast/fold-0 \(expectedInit["ast"]!) timm_vit", "ast/fold-1 \(expectedInit["ast"]!) timm_vit"])

        // `submit --refit` trains the same refit as `spectrofold refit` of the local sweep, into the
        // sweep's folder and a child run of its parent, and registers it; the comparison itself is
        // left as it was.
        let resultsBefore = try String(contentsOfFile: harness.stateDirectory + "/sweeps/\(sweep)/results.json", encoding: .utf8)
        try harness.refit(sweep: sweep, model: "baseline_cnn", ["--register", "cluster-digits", "--mlflow", server.uri, "--experiment", "cluster-tests"])
        XCTAssertEqual(try harness.waitForExit("refit", timeout: 300), 0, harness.logTails())
        let refits = try [harness.stateDirectory + "/sweeps/\(sweep)", harness.directory.file("local")].map { folder in
            (card: try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(folder)/baseline_cnn/refit/spectrofold-model.json"))) as? [String: Any]),
             history: try String(contentsOfFile: "\(folder)/baseline_cnn/refit/history.csv", encoding: .utf8))
        }
        XCTAssertEqual((refits[0].card["state_dict"] as? [String: String])?["sha256"], (refits[1].card["state_dict"] as? [String: String])?["sha256"],
                       "the cluster's refit has the local refit's weights")
        // The same epochs, but for their seconds (the last column).
        let epochFigures = refits.map { $0.history.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).dropLast() } }
        XCTAssertEqual(epochFigures[0], epochFigures[1])
        // The comparison's scores, from the ledger there and from results.json (16 digits) here.
        let scores = refits.map { ($0.card["scores"] as? [String: Any])?["mean"] as? [String: Double] ?? [:] }
        XCTAssertEqual(Set(scores[0].keys), Set(scores[1].keys))
        for (score, value) in scores[0] { XCTAssertEqual(value, scores[1][score] ?? .nan, accuracy: 1e-12, score) }
        XCTAssertEqual(try String(contentsOfFile: harness.stateDirectory + "/sweeps/\(sweep)/results.json", encoding: .utf8), resultsBefore)
        let refitAttempts = try harness.ledger().query("SELECT outcome FROM attempts WHERE job = ?", [.text("\(sweep)/baseline_cnn/refit")])
        XCTAssertEqual(refitAttempts.filter { $0["outcome"].string == "succeeded" }.count, 1, "\(refitAttempts)")
        let epochs = try XCTUnwrap((refits[1].card["training"] as? [String: Any])?["epoch"] as? Int) + 1
        var refitRun = ""
        try harness.waitFor("the refit's child run in MLflow", timeout: 60) {
            refitRun = try TestPython.run("""
                import sys
                from mlflow.tracking import MlflowClient
                client = MlflowClient(tracking_uri=sys.argv[1])
                experiment = client.get_experiment_by_name("cluster-tests")
                runs = client.search_runs([experiment.experiment_id], filter_string="attributes.run_name = 'baseline_cnn/refit'")
                parents = client.search_runs([experiment.experiment_id], filter_string="tags.sweep_id = '\(sweep)'")
                parent = [p for p in parents if "mlflow.parentRunId" not in p.data.tags]
                # The accepted attempt's run; an attempt lost to a silent worker under load may add a FAILED one.
                for run in [r for r in runs if r.info.status == "FINISHED"]:
                    p = run.data.params
                    versions = client.search_model_versions("name = 'cluster-digits'")
                    print(run.info.status, run.data.tags.get("mlflow.parentRunId") == parent[0].info.run_id, p.get("epochs"),
                          p.get("refit_selection"), "fold" in p, p.get("init"), "cv/accuracy_mean" in run.data.metrics,
                          sorted(a.path for a in client.list_artifacts(run.info.run_id, "model")),
                          [(v.version, v.run_id == run.info.run_id, v.tags.get("job")) for v in versions])
                """, arguments: [server.uri]).trimmingCharacters(in: .whitespacesAndNewlines)
            return refitRun.hasPrefix("FINISHED")
        }
        XCTAssertEqual(refitRun, "FINISHED True \(epochs) last False \(expectedInit["baseline_cnn"]!) True "
                       + "['model/config.yaml', 'model/spectrofold-model.json', 'model/state_dict.safetensors'] [('1', True, 'baseline_cnn/refit')]")
        XCTAssertTrue(harness.log("refit").contains("registered model 'cluster-digits' version 1"), harness.log("refit"))
    }

    /// A job that fails for a reason no retry can change (here its loss turns NaN, which a
    /// deterministic retry would repeat) fails after its first attempt.
    func testAJobThatCannotTrainFailsAfterOneAttempt() throws {
        try harness.startCluster(workers: ["w1"])
        try harness.submit(models: ["baseline_cnn", "ast"], folds: 2, epochs: 2, ["--set", "models.ast.trainer.lr=1.0e+30",
                           "--set", "models.ast.trainer.optimizer=sgd", "--set", "models.ast.trainer.grad_clip_norm=0"])
        XCTAssertEqual(try harness.waitForExit("submit", timeout: 300), 1, harness.logTails())
        let jobs = try harness.ledger().query("SELECT id, state, attempts, failure FROM jobs ORDER BY id")
        XCTAssertEqual(jobs.map { "\($0["id"].string!.split(separator: "/").dropFirst().joined(separator: "/"))=\($0["state"].string!)" },
                       ["ast/fold-0=failed", "ast/fold-1=failed", "baseline_cnn/fold-0=done", "baseline_cnn/fold-1=done"])
        for job in jobs where job["state"].string == "failed" {
            XCTAssertEqual(job["attempts"].int, 1, "not retried: \(job["failure"].string ?? "")")
            XCTAssertTrue(job["failure"].string?.contains("not retried (a configuration or data error)") == true, job["failure"].string ?? "nil")
        }
        XCTAssertTrue(harness.log("submit").contains("loss became"), harness.log("submit"))
    }

    /// A worker SIGKILLed mid-job: the coordinator declares it dead (or its lease runs out first,
    /// on a stalled machine), ends its attempt and leases the job again; no job is lost.
    func testAWorkerKilledMidJobLosesNoJob() throws {
        let server = try mlflow()
        try harness.startCluster(["--mlflow", server.uri])
        try harness.submit(models: ["baseline_cnn", "cnn_mlp"], folds: 2, epochs: 12)
        let job = try harness.waitUntilTraining("w1", epochs: 2)
        harness.signal("w1", SIGKILL)
        let killed = Date()
        try harness.waitFor("\(job) to be leased again", timeout: 60) {
            try !harness.ledger().query("SELECT 1 FROM attempts WHERE job = ? AND attempt = 2", [.text(job)]).isEmpty
        }
        print("worker killed → its job leased again after \(String(format: "%.2f", Date().timeIntervalSince(killed))) s")
        XCTAssertEqual(try harness.waitForExit("submit", timeout: 600), 0, harness.logTails())
        let attempts = try harness.checkSweepCompleted(jobs: 4)
        let lost = try XCTUnwrap(attempts.first { $0.job == job && $0.attempt == 1 }, "\(attempts)")
        XCTAssertEqual(lost.worker, "w1")
        XCTAssertTrue(["worker-lost", "expired"].contains(lost.outcome), "\(attempts)")
        XCTAssertTrue(harness.heartbeatLogHas("liveness", ["worker": "w1", "from": "alive", "to": "dead"]), "the heartbeat log records w1's death")
        XCTAssertTrue(harness.heartbeatLogHas("attempt", ["worker": "w1", "job": job, "attempt": "1", "outcome": lost.outcome, "job_state": "queued"]),
                      "the heartbeat log records the lost attempt: \(harness.heartbeatEvents())")
        try harness.checkMLflow(server, attempts: attempts, epochs: 12)
    }

    /// A worker frozen (SIGSTOP) past its lease is declared dead and its job leased to w2. Thawed,
    /// w1 ends its stale attempt in one of three ways the design allows, depending on timing: it
    /// hears CANCEL before it finishes; it finishes while w2 still trains and its late result
    /// wins (w2's attempt is superseded); or it finishes after w2's result and its own is
    /// acknowledged and dropped. Whichever happens, the sweep completes with one accepted result
    /// per job, the ledger and the heartbeat log record how the frozen attempt ended, and MLflow
    /// holds each attempt once.
    func testAWorkerFrozenPastItsLeaseIsReplacedAndThenCancelled() throws {
        let harness = self.harness!
        let server = try mlflow()
        try harness.startCluster(["--mlflow", server.uri, "--lease-seconds", "4"])
        try harness.submit(models: ["baseline_cnn", "cnn_mlp"], folds: 2, epochs: 12)
        let job = try harness.waitUntilTraining("w1", epochs: 1)
        harness.signal("w1", SIGSTOP)
        try harness.waitFor("\(job) to be leased to w2", timeout: 60) {
            try !harness.ledger().query("SELECT 1 FROM attempts WHERE job = ? AND worker = 'w2'", [.text(job)]).isEmpty
        }
        harness.signal("w1", SIGCONT)
        XCTAssertEqual(try harness.waitForExit("submit", timeout: 600), 0, harness.logTails())
        try harness.checkSweepCompleted(jobs: 4)
        let ledgerAttempts = { try harness.ledger().query("SELECT job, attempt, worker, outcome FROM attempts WHERE job = ? ORDER BY attempt", [.text(job)])
            .map { ClusterHarness.Attempt(job: job, attempt: $0["attempt"].int ?? 0, worker: $0["worker"].string ?? "", outcome: $0["outcome"].string ?? "") } }
        let frozenAttempt = try XCTUnwrap(try ledgerAttempts().first { $0.worker == "w1" }).attempt
        XCTAssertTrue(try ledgerAttempts().contains { $0.worker == "w2" })
        XCTAssertTrue(harness.heartbeatLogHas("liveness", ["worker": "w1", "from": "alive", "to": "dead"]), "the heartbeat log records w1's death")
        // Losing its lease ended the frozen attempt first, in the ledger and in the heartbeat log.
        XCTAssertTrue(harness.heartbeatEvents().contains {
            $0["event"] as? String == "attempt" && $0["job"] as? String == job && $0["worker"] as? String == "w1"
                && $0["attempt"] as? Int == frozenAttempt && ["worker-lost", "expired"].contains($0["outcome"] as? String ?? "")
        }, "\(harness.heartbeatEvents())")

        // Thawed, w1 ends its stale attempt one of three ways.
        let dropped = { harness.heartbeatLogHas("result", ["outcome": "dropped", "worker": "w1", "job": job, "attempt": String(frozenAttempt)]) }
        let won = { try ledgerAttempts().first { $0.worker == "w1" }?.outcome == "succeeded" }
        let cancelled = { harness.log("w1").contains("job \(job) attempt \(frozenAttempt) cancelled") }
        try harness.waitFor("w1 to end its stale attempt (cancelled, won, or dropped)", timeout: 300) { try dropped() || won() || cancelled() }
        let attempts = try harness.checkSweepCompleted(jobs: 4)
        let frozen = try XCTUnwrap(attempts.first { $0.job == job && $0.worker == "w1" })
        XCTAssertTrue(["worker-lost", "expired", "superseded", "succeeded"].contains(frozen.outcome), "\(attempts)")
        // One accepted result, from the attempt the ledger marks succeeded: the frozen one exactly
        // when its late result won.
        let accepted = try harness.ledger().query("SELECT attempt, worker FROM results WHERE job = ?", [.text(job)])
            .map { "\($0["worker"].string ?? "")#\($0["attempt"].int ?? 0)" }
        let succeeded = attempts.filter { $0.job == job && $0.outcome == "succeeded" }.map { "\($0.worker)#\($0.attempt)" }
        XCTAssertEqual(accepted, succeeded, "\(attempts)")
        XCTAssertEqual(try won(), accepted == ["w1#\(frozenAttempt)"], "\(attempts)")
        print("frozen worker's stale attempt: " + (try won() ? "its late result won" : dropped() ? "its result was acknowledged and dropped" : "cancelled"))
        try harness.waitFor("w1 to be back", timeout: 60) { try harness.status().workers.first { $0.id == "w1" }?.state == "alive" }
        try harness.checkMLflow(server, attempts: attempts, epochs: 12)
    }

    func testACoordinatorKilledAndRestartedResumesTheSweep() throws {
        let server = try mlflow()
        try harness.startCluster(["--mlflow", server.uri])
        try harness.submit(models: ["baseline_cnn", "cnn_mlp"], folds: 2, epochs: 12)
        _ = try harness.waitUntilTraining("w1", epochs: 1)
        harness.signal("coordinator", SIGKILL)
        Thread.sleep(forTimeInterval: 2)  // an outage the workers ride out
        try harness.startCoordinator(["--mlflow", server.uri])
        XCTAssertTrue(harness.log("coordinator").contains("1 unfinished sweeps"), harness.log("coordinator"))
        XCTAssertEqual(try harness.waitForExit("submit", timeout: 600), 0, harness.logTails())
        let attempts = try harness.checkSweepCompleted(jobs: 4)
        // Whether w1 noticed the outage depends on its length; the restarted coordinator took the
        // workers its ledger had alive as alive.
        XCTAssertTrue(harness.heartbeatLogHas("liveness", ["worker": "w1", "reason": "assumed alive after coordinator start"]),
                      "\(harness.heartbeatEvents())")
        try harness.checkMLflow(server, attempts: attempts, epochs: 12)
    }
}
