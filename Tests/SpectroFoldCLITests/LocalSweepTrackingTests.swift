import Foundation
import TestSupport
import XCTest

/// `spectrofold sweep --local` with a real MLflow server: the nested run layout as MLflow's own
/// Python client sees it, and a clear error before any training when MLflow cannot be used.
final class LocalSweepTrackingTests: XCTestCase {
    func testFourModelsByThreeFoldsLandAsOneParentAndTwelveChildren() throws {
        let server = try MLflowServer.startInTemporaryDirectory().get()
        defer { server.stopAndRemoveStore() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try syntheticPack(count: 36).write(to: directory.file("pack.safetensors"))
        let run = try ChildProcess.run(try BuiltProducts.executable("spectrofold"), arguments: [
            "sweep", "--local", "--data", directory.file("pack.safetensors"), "--out", directory.file("out"),
            "--models", "baseline_cnn,cnn_mlp,cnn_attention,ast", "--folds", "3", "--epochs", "2",
            "--mlflow", server.uri, "--experiment", "e2e", "--set", "trainer.batch_size=8", "--set", "name=e2e-sweep",
        ])
        XCTAssertEqual(run.status, 0, run.standardOutput + run.standardError)
        XCTAssertTrue(run.standardOutput.contains("pending 0") || run.standardOutput.contains("0 pending"), run.standardOutput)
        let report = try TestPython.run(Self.inspection, arguments: [server.uri, "e2e"])
        XCTAssertEqual(report.trimmingCharacters(in: .whitespacesAndNewlines), "ok", report)
    }

    func testAnUnreachableTrackingServerIsAnErrorBeforeTraining() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try syntheticPack(count: 24).write(to: directory.file("pack.safetensors"))
        for uri in ["http://127.0.0.1:9", "ftp://nowhere"] {
            let run = try ChildProcess.run(try BuiltProducts.executable("spectrofold"), arguments: [
                "sweep", "--local", "--data", directory.file("pack.safetensors"), "--out", directory.file("out"),
                "--models", "baseline_cnn", "--folds", "2", "--epochs", "1", "--mlflow", uri,
            ])
            XCTAssertNotEqual(run.status, 0)
            XCTAssertTrue(run.standardError.contains(uri), "\(uri): " + run.standardError)
            XCTAssertFalse(FileManager.default.fileExists(atPath: directory.file("out/results.json")), "no training before the error")
        }
        let offline = try ChildProcess.run(try BuiltProducts.executable("spectrofold"), arguments: [
            "sweep", "--local", "--data", directory.file("pack.safetensors"), "--out", directory.file("offline"),
            "--models", "baseline_cnn", "--folds", "2", "--epochs", "1", "--mlflow", "http://127.0.0.1:9", "--no-tracking",
        ])
        XCTAssertEqual(offline.status, 0, offline.standardError)
    }

    /// Checks the layout with MLflow's client and prints "ok" or what is wrong.
    private static let inspection = #"""
import sys, tempfile
import numpy as np
from mlflow.tracking import MlflowClient
from safetensors.numpy import load_file

uri, name = sys.argv[1], sys.argv[2]
client = MlflowClient(tracking_uri=uri)
experiment = client.get_experiment_by_name(name)
runs = client.search_runs([experiment.experiment_id], max_results=1000)
parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
problems = []
if len(parents) != 1 or len(children) != 12:
    problems.append(f"{len(parents)} parents and {len(children)} children")
parent = parents[0]
if parent.info.status != "FINISHED" or "| baseline_cnn |" not in parent.data.tags.get("mlflow.note.content", ""):
    problems.append("parent not finished or without the comparison note")
scratch = tempfile.mkdtemp()
if "comparison/report.html" not in [a.path for a in client.list_artifacts(parent.info.run_id, "comparison")]:
    problems.append("parent without comparison/report.html")
elif '<section id="curves">' not in open(client.download_artifacts(parent.info.run_id, "comparison/report.html", scratch)).read():
    problems.append("parent's report.html without the training curves")
finals = {}
for child in children:
    where = child.info.run_name
    if child.data.tags["mlflow.parentRunId"] != parent.info.run_id or child.info.status != "FINISHED":
        problems.append(f"{where}: wrong parent or status {child.info.status}")
    for param in ["learning_rate", "optimizer", "batch_size", "dropout", "model_version"]:
        if param not in child.data.params:
            problems.append(f"{where}: no param {param}")
    for metric in ["train_loss", "train_accuracy", "val_loss", "val_accuracy", "val_f1_weighted",
                   "val_precision_weighted", "val_recall_weighted", "learning_rate"]:
        steps = [m.step for m in client.get_metric_history(child.info.run_id, metric)]
        if sorted(steps) != [1, 2]:
            problems.append(f"{where}: {metric} has steps {steps}")
    names = [a.path for a in client.list_artifacts(child.info.run_id)] + [a.path for a in client.list_artifacts(child.info.run_id, "model")]
    for artifact in ["model/state_dict.safetensors", "confusion_matrix.svg", "confusion_matrix.json", "predictions.csv", "training_curves.svg"]:
        if artifact not in names:
            problems.append(f"{where}: no artifact {artifact}")
    state = load_file(client.download_artifacts(child.info.run_id, "model/state_dict.safetensors", scratch))
    if not any(k.endswith("num_batches_tracked") for k in state) and child.data.tags["model"] != "ast":
        problems.append(f"{where}: state dict without batch norms")
    model = child.data.tags["model"]
    for score in ["accuracy", "f1_weighted", "precision_weighted", "recall_weighted", "val_loss"]:
        finals.setdefault((model, score), []).append(child.data.metrics[f"final/{score}"])
for (model, score), values in finals.items():
    for suffix, expected in [("mean", np.mean(values)), ("std", np.std(values, ddof=1))]:
        got = parent.data.metrics.get(f"{model}/{score}_{suffix}")
        if got is None or abs(got - expected) > 1e-9:
            problems.append(f"parent {model}/{score}_{suffix} = {got}, children give {expected}")
print("ok" if not problems else "\n".join(problems))
"""#
}
