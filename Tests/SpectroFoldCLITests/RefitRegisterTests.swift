import Foundation
import TestSupport
import XCTest

/// `spectrofold refit --register` against a real MLflow server (the pinned version), checked with
/// MLflow's own Python client, and `predict --run` from the registered run with nothing local.
final class RefitRegisterTests: XCTestCase {
    private func spectrofold(_ arguments: [String]) throws -> ChildProcess.Result {
        try ChildProcess.run(try BuiltProducts.executable("spectrofold"), arguments: arguments)
    }

    func testARefitIsAChildRunOfTheSweepAndARegisteredVersionThatPredictsFromMLflow() throws {
        let server = try MLflowServer.startInTemporaryDirectory().get()
        defer { server.stopAndRemoveStore() }
        let directory = try TemporaryDirectory(prefix: "refit")
        defer { directory.remove() }
        let tracking = ["--mlflow", server.uri, "--experiment", "refit-e2e"]
        XCTAssertEqual(try spectrofold(["make-demo-data", "--out", directory.file("data"), "--variants", "1", "--seed", "5"]).status, 0)
        let sweep = try spectrofold(["sweep", "--local", "--data", directory.file("data/manifest.csv"), "--out", directory.file("sweep"),
                                     "--models", "cnn_mlp", "--folds", "2", "--epochs", "2", "--set", "features.frames=32",
                                     "--set", "trainer.batch_size=16", "--set", "trainer.scheduler.name=plateau",
                                     "--set", "data.numeric_metadata=[speed,snr_db]",
                                     "--set", "data.categorical_metadata=[voice]", "--set", "name=digits"] + tracking)
        XCTAssertEqual(sweep.status, 0, sweep.standardOutput + sweep.standardError)

        let refit = try spectrofold(["refit", "--sweep", directory.file("sweep"), "--model", "cnn_mlp", "--register", "spoken-digits"] + tracking)
        XCTAssertEqual(refit.status, 0, refit.standardOutput + refit.standardError)
        XCTAssertTrue(refit.standardOutput.contains("registered model 'spoken-digits' version 1"), refit.standardOutput)
        XCTAssertTrue(refit.standardOutput.contains("the median of the epochs the 2 jobs chose"), refit.standardOutput)
        // A fold job's model, registered from predict's source: its child run found by sweep id and job name.
        let fold = try spectrofold(["predict", "--job", directory.file("sweep/cnn_mlp/fold-1"), "--register", "digits-fold-1",
                                    directory.file("data/manifest.csv")] + tracking)
        XCTAssertEqual(fold.status, 0, fold.standardError)
        XCTAssertTrue(fold.standardError.contains("registered model 'digits-fold-1' version 1"), fold.standardError)

        let report = try TestPython.run(Self.inspection, arguments: [server.uri, "refit-e2e", "spoken-digits", "digits-fold-1"])
        let lines = report.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.last, "ok", report)
        let runId = try XCTUnwrap(lines.first { $0.hasPrefix("run ") }.map { String($0.dropFirst(4)) })

        // The same predictions from the local folder and, with that folder gone, from the run.
        let clips = directory.file("data/manifest.csv")
        let local = try spectrofold(["predict", "--job", directory.file("sweep/cnn_mlp/refit"), clips])
        XCTAssertEqual(local.status, 0, local.standardError)
        try FileManager.default.removeItem(atPath: directory.file("sweep"))
        let remote = try spectrofold(["predict", "--run", "runs:/\(runId)", "--mlflow", server.uri, clips])
        XCTAssertEqual(remote.status, 0, remote.standardError)
        XCTAssertEqual(remote.standardOutput, local.standardOutput)
        XCTAssertEqual(remote.standardOutput.split(separator: "\n").count, 1 + 80, "a header and every clip")

        let missing = try spectrofold(["predict", "--run", "runs:/0123456789abcdef", "--mlflow", server.uri, clips])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.standardError.contains("0123456789abcdef"), missing.standardError)
    }

    /// Checks the registry and the runs with MLflow's client; prints "run <refit run id>", then
    /// "ok" or what is wrong.
    private static let inspection = #"""
import hashlib, json, os, sys, tempfile
from mlflow.tracking import MlflowClient

uri, experiment_name, model_name, fold_model_name = sys.argv[1:5]
client = MlflowClient(tracking_uri=uri)
problems = []
experiment = client.get_experiment_by_name(experiment_name)
if experiment.tags.get("mlflow.experimentKind") != "custom_model_development":
    problems.append(f"experiment kind {experiment.tags.get('mlflow.experimentKind')}")
runs = client.search_runs([experiment.experiment_id], max_results=100)
parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
refits = [r for r in runs if r.info.run_name == "cnn_mlp/refit"]
if len(parents) != 1 or len(refits) != 1 or len(runs) != 4:
    problems.append(f"{len(parents)} parents, {len(refits)} refits, {len(runs)} runs (want 1, 1, 4)")
parent, run = parents[0], refits[0]
print("run", run.info.run_id)
if run.data.tags.get("mlflow.parentRunId") != parent.info.run_id or run.info.status != "FINISHED":
    problems.append("refit run not a finished child of the sweep's parent")
if run.data.tags.get("sweep_id") != parent.data.tags["sweep_id"] or "fold" in run.data.tags:
    problems.append(f"refit tags {run.data.tags}")
if run.data.params.get("selection") != "last" or run.data.params.get("scheduler") != "none":
    problems.append(f"refit params {run.data.params}")
registered = client.get_registered_model(model_name)
versions = client.search_model_versions(f"name='{model_name}'")
if len(versions) != 1 or versions[0].run_id != run.info.run_id or not versions[0].source.endswith("/model"):
    problems.append(f"versions {[(v.version, v.run_id, v.source) for v in versions]}")
version = versions[0]
if version.tags.get("sweep_id") != parent.data.tags["sweep_id"] or registered.tags.get("spectrofold.model") != "cnn_mlp":
    problems.append(f"version tags {version.tags}, model tags {registered.tags}")
for score in ["accuracy", "f1_weighted", "val_loss"]:
    tagged = float(version.tags.get(f"cross_validation.{score}_mean", "nan"))
    if abs(tagged - parent.data.metrics[f"cnn_mlp/{score}_mean"]) > 1e-9 or abs(run.data.metrics[f"cv/{score}_mean"] - tagged) > 1e-12:
        problems.append(f"{score}: version tag {tagged}, parent {parent.data.metrics[f'cnn_mlp/{score}_mean']}")
scratch = tempfile.mkdtemp()
folder = client.download_artifacts(run.info.run_id, "model", scratch)
names = sorted(os.listdir(folder))
if names != ["config.yaml", "spectrofold-model.json", "state_dict.safetensors"]:
    problems.append(f"model artifacts {names}")
card = json.load(open(os.path.join(folder, "spectrofold-model.json")))
digest = hashlib.sha256(open(os.path.join(folder, "state_dict.safetensors"), "rb").read()).hexdigest()
if card["state_dict"]["sha256"] != digest or card["job"] != "cnn_mlp/refit" or card["sweep"]["id"] != parent.data.tags["sweep_id"]:
    problems.append(f"card {card['state_dict']}, {card['job']}, {card['sweep']} against {digest}")
if card["scores"]["scope"] != "cross_validation" or card["scores"]["jobs"] != 2:
    problems.append(f"card scores {card['scores']}")
fold_run = [r for r in runs if r.info.run_name == "cnn_mlp/fold-1"][0]
fold_versions = client.search_model_versions(f"name='{fold_model_name}'")
if [(v.run_id, v.tags.get("job"), v.tags.get("held_out_fold.accuracy_mean")) for v in fold_versions] != \
        [(fold_run.info.run_id, "cnn_mlp/fold-1", repr(fold_run.data.metrics["final/accuracy"]))]:
    problems.append(f"fold versions {[(v.run_id, v.tags) for v in fold_versions]}")
print("ok" if not problems else "\n".join(problems))
"""#
}
