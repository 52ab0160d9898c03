import Foundation
import SQLite
import TestSupport
import XCTest

/// What every cluster test checks once its sweep ended: in the ledger, each job done exactly
/// once; on disk, results.json with every job finished; in MLflow (when given), one parent run
/// and exactly one child run per attempt, one FINISHED child per job.
extension ClusterHarness {
    struct Attempt: Equatable {
        let job: String
        let attempt: Int
        let worker: String
        let outcome: String
    }

    /// Checks the ledger and results.json; returns every attempt.
    @discardableResult
    func checkSweepCompleted(jobs expected: Int, file: StaticString = #filePath, line: UInt = #line) throws -> [Attempt] {
        let database = try ledger()
        let sweeps = try database.query("SELECT id, finished FROM sweeps")
        XCTAssertEqual(sweeps.count, 1, "one sweep", file: file, line: line)
        XCTAssertEqual(sweeps.first?["finished"].int, 1, "the sweep finished", file: file, line: line)
        let states = try database.query("SELECT state, count(*) AS n FROM jobs GROUP BY state")
        XCTAssertEqual(states.map { "\($0["state"].string ?? "?")=\($0["n"].int ?? 0)" }, ["done=\(expected)"], file: file, line: line)
        let results = try database.query("SELECT count(*) AS n, count(DISTINCT job) AS jobs FROM results").first
        XCTAssertEqual(results?["n"].int, expected, "one result per job", file: file, line: line)
        XCTAssertEqual(results?["jobs"].int, expected, file: file, line: line)
        let attempts = try database.query("SELECT job, attempt, worker, outcome FROM attempts ORDER BY job, attempt").map {
            Attempt(job: $0["job"].string ?? "", attempt: $0["attempt"].int ?? 0, worker: $0["worker"].string ?? "", outcome: $0["outcome"].string ?? "")
        }
        for (job, tries) in Dictionary(grouping: attempts, by: \.job) {
            XCTAssertEqual(tries.filter { $0.outcome == "succeeded" }.count, 1, "\(job): one succeeded attempt of \(tries)", file: file, line: line)
        }
        let sweep = sweeps.first?["id"].string ?? ""
        let resultsFile = ((stateDirectory as NSString).appendingPathComponent("sweeps/\(sweep)") as NSString).appendingPathComponent("results.json")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: resultsFile))) as? [String: Any]
        let jobs = json?["jobs"] as? [[String: Any]] ?? []
        XCTAssertEqual(jobs.count, expected, file: file, line: line)
        XCTAssertTrue(jobs.allSatisfy { $0["status"] as? String == "finished" }, "every job finished in results.json", file: file, line: line)
        // sweep.json names the worker of each job's succeeded attempt, and report.html is beside it.
        let sweepFolder = (stateDirectory as NSString).appendingPathComponent("sweeps/\(sweep)")
        let context = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: sweepFolder + "/sweep.json"))) as? [String: Any]
        XCTAssertEqual(context?["runner"] as? String, "cluster", file: file, line: line)
        let recorded = (context?["attempts"] as? [String: [[String: Any]]] ?? [:]).flatMap { path, tries in
            tries.filter { $0["outcome"] as? String == "succeeded" }.map { "\(sweep)/\(path)@\($0["worker"] as? String ?? "?")" }
        }
        XCTAssertEqual(recorded.sorted(), attempts.filter { $0.outcome == "succeeded" }.map { "\($0.job)@\($0.worker)" }.sorted(), file: file, line: line)
        XCTAssertTrue(FileManager.default.fileExists(atPath: sweepFolder + "/report.html"), "report.html in the sweep folder", file: file, line: line)
        return attempts
    }

    /// Waits (up to a minute, for the outbox to deliver) until MLflow holds the sweep's layout:
    /// one FINISHED parent with the aggregates; one child per ledger attempt (none twice), one
    /// FINISHED child per job with params, `epochs` steps of metrics and the artifacts; every
    /// other child FAILED with the reason.
    func checkMLflow(_ server: MLflowServer, attempts: [Attempt], epochs: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = attempts.map { "\($0.job)#\($0.attempt)#\($0.outcome == "succeeded" ? "FINISHED" : "FAILED")" }.sorted()
        var report = ""
        let deadline = Date().addingTimeInterval(60)
        repeat {
            report = try TestPython.run(Self.inspection, arguments: [server.uri, "cluster-tests", String(epochs), expected.joined(separator: ",")])
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if report == "ok" { return }
            Thread.sleep(forTimeInterval: 2)
        } while Date() < deadline
        XCTFail("MLflow layout: " + report, file: file, line: line)
    }

    private static let inspection = #"""
import sys
from mlflow.tracking import MlflowClient

uri, name, epochs, expected = sys.argv[1], sys.argv[2], int(sys.argv[3]), sorted(sys.argv[4].split(","))
client = MlflowClient(tracking_uri=uri)
experiment = client.get_experiment_by_name(name)
runs = client.search_runs([experiment.experiment_id], max_results=1000) if experiment else []
parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
problems = []
if len(parents) != 1 or parents[0].info.status != "FINISHED":
    problems.append(f"parents: {[(p.info.run_name, p.info.status) for p in parents]}")
elif not any(k.endswith("/accuracy_mean") for k in parents[0].data.metrics):
    problems.append("parent without aggregates")
elif "comparison/report.html" not in [a.path for a in client.list_artifacts(parents[0].info.run_id, "comparison")]:
    problems.append("parent without comparison/report.html")
got = sorted(f"{c.data.tags.get('job_id')}#{c.data.tags.get('attempt')}#{c.info.status}" for c in children)
if got != expected:
    problems.append(f"children {got} != ledger attempts {expected}")
for child in children:
    if child.info.status != "FINISHED":
        if "error" not in child.data.tags:
            problems.append(f"{child.info.run_name}: {child.info.status} without an error tag")
        continue
    for param in ["learning_rate", "optimizer", "batch_size", "dropout", "model_version", "compute_threads"]:
        if param not in child.data.params:
            problems.append(f"{child.info.run_name}: no param {param}")
    steps = sorted(m.step for m in client.get_metric_history(child.info.run_id, "val_accuracy"))
    if steps != list(range(1, epochs + 1)):
        problems.append(f"{child.info.run_name}: val_accuracy steps {steps}")
    names = [a.path for a in client.list_artifacts(child.info.run_id)] + [a.path for a in client.list_artifacts(child.info.run_id, "model")]
    for artifact in ["model/state_dict.safetensors", "confusion_matrix.json", "confusion_matrix.svg"]:
        if artifact not in names:
            problems.append(f"{child.info.run_name}: no artifact {artifact}")
print("ok" if not problems else "\n".join(problems))
"""#
}
