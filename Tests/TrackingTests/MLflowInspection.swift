import Foundation
import TestSupport

/// What MLflow's own Python client sees in one experiment: every run with its tags, params,
/// metric histories, artifacts and datasets; the state dicts as loaded by
/// `safetensors.numpy.load_file` (torch is not in the test environment; the numpy loader reads
/// the same file format); and the aggregates numpy computes from the children's final metrics.
struct MLflowInspection: Decodable {
    struct Run: Decodable {
        var id: String
        var name: String
        var status: String
        var tags: [String: String]
        var params: [String: String]
        /// Metric → [[step, value, timestamp]] in the order the server returns the history.
        var histories: [String: [[Double]]]
        var artifacts: [String]
        /// [[dataset name, digest, context tag]]
        var inputs: [[String]]
        /// Tensor name → shape, from `safetensors.numpy.load_file`; nil without a state dict.
        var stateDict: [String: [Int]]?
        /// Width and height of the PNG `confusion_matrix.png`, checked by its signature and IHDR.
        var confusionMatrixSize: [Int]?

        var parentId: String? { tags["mlflow.parentRunId"] }
    }

    var runs: [Run]
    /// `<model>/<score>_mean` / `_std` from numpy (`std(ddof=1)`) over the finished children's
    /// `final/<score>`.
    var expectedAggregates: [String: Double]

    var parents: [Run] { runs.filter { $0.parentId == nil } }

    static func of(experiment: String, at uri: String) throws -> MLflowInspection {
        let json = try TestPython.run(script, arguments: [uri, experiment])
        return try JSONDecoder().decode(MLflowInspection.self, from: Data(json.utf8))
    }

    private static let script = #"""
import json, struct, sys, tempfile
from collections import defaultdict
import mlflow, numpy as np
from mlflow.tracking import MlflowClient
from safetensors.numpy import load_file

uri, experiment_name = sys.argv[1], sys.argv[2]
mlflow.set_tracking_uri(uri)  # mlflow-artifacts:/ URIs resolve against it
client = MlflowClient(tracking_uri=uri)
experiment = client.get_experiment_by_name(experiment_name)
runs = client.search_runs([experiment.experiment_id], max_results=5000)
scratch = tempfile.mkdtemp()

def walk(run_id, path=None):
    found = []
    for entry in client.list_artifacts(run_id, path):
        found += walk(run_id, entry.path) if entry.is_dir else [entry.path]
    return found

out, finals = [], defaultdict(lambda: defaultdict(list))
for run in runs:
    rid = run.info.run_id
    item = {
        "id": rid, "name": run.info.run_name, "status": run.info.status,
        "tags": dict(run.data.tags), "params": dict(run.data.params),
        "histories": {k: [[m.step, m.value, m.timestamp] for m in client.get_metric_history(rid, k)] for k in run.data.metrics},
        "artifacts": sorted(walk(rid)),
        "inputs": [[i.dataset.name, i.dataset.digest, {t.key: t.value for t in i.tags}.get("mlflow.data.context", "")]
                   for i in run.inputs.dataset_inputs],
    }
    if "model/state_dict.safetensors" in item["artifacts"]:
        tensors = load_file(client.download_artifacts(rid, "model/state_dict.safetensors", scratch))
        item["stateDict"] = {name: list(t.shape) for name, t in tensors.items()}
    if "confusion_matrix.png" in item["artifacts"]:
        with open(client.download_artifacts(rid, "confusion_matrix.png", scratch), "rb") as f:
            head = f.read(24)
        assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", head
        item["confusionMatrixSize"] = list(struct.unpack(">II", head[16:24]))
    if "mlflow.parentRunId" in run.data.tags and run.info.status == "FINISHED":
        for key, value in run.data.metrics.items():
            if key.startswith("final/"):
                finals[run.data.tags["model"]][key[len("final/"):]].append(value)
    out.append(item)

aggregates = {}
for model, scores in finals.items():
    for score, values in scores.items():
        aggregates[f"{model}/{score}_mean"] = float(np.mean(values))
        if len(values) > 1:
            aggregates[f"{model}/{score}_std"] = float(np.std(values, ddof=1))
print(json.dumps({"runs": out, "expectedAggregates": aggregates}))
"""#
}
