import Cluster
import Foundation
import ProcessRunner
import SQLite

/// What a soak checks once every sweep ended and the coordinator's outboxes drained: in the
/// ledger, every job done exactly once; in the outboxes, nothing left or rejected; in MLflow,
/// one child run per ledger attempt (none twice), exactly one FINISHED child per job, no epoch
/// logged twice in a child's metric history, and each parent's aggregates equal to its
/// FINISHED children's final scores.
enum SoakAudit {
    /// The ledger's side: counts, and the problems found.
    struct LedgerFindings {
        var sweeps = 0, jobs = 0, attempts = 0
        var attemptsByOutcome: [String: Int] = [:]
        /// Why attempts ended without a result: "<outcome>: <reason>" (free-standing numbers as #) → count.
        var endReasons: [String: Int] = [:]
        var jobsLost: [String] = []
        var jobsDoneTwice: [String] = []
        /// Every attempt as "job#attempt#outcome" (what MLflow must mirror).
        var attemptKeys: [String] = []
    }

    static func ledger(stateDirectory: String) throws -> LedgerFindings {
        let ledger = try Ledger(path: (stateDirectory as NSString).appendingPathComponent("ledger.sqlite"))
        var findings = LedgerFindings()
        for sweep in try ledger.sweeps() {
            findings.sweeps += 1
            let resultsFile = (stateDirectory as NSString).appendingPathComponent("sweeps/\(sweep.id)/results.json")
            let results = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: resultsFile)))) as? [String: Any]
            let finished = Set((results?["jobs"] as? [[String: Any]] ?? []).filter { $0["status"] as? String == "finished" }.compactMap { job -> String? in
                guard let model = job["model"] as? String, let fold = job["fold"] as? Int else { return nil }
                return "\(model)/\(job["repeat"] as? Int ?? 0)/\(fold)"
            })
            for job in try ledger.jobs(sweep: sweep.id) {
                findings.jobs += 1
                let attempts = try ledger.attempts(job: job.id)
                findings.attempts += attempts.count
                for attempt in attempts {
                    findings.attemptsByOutcome[attempt.outcome.rawValue, default: 0] += 1
                    if let reason = attempt.reason, attempt.outcome != .succeeded {
                        let general = reason.replacingOccurrences(of: "(?<![\\w-])[0-9]+(\\.[0-9]+)?(?![\\w-])", with: "#",
                                                                  options: .regularExpression)
                        findings.endReasons["\(attempt.outcome.rawValue): \(general.prefix(160))", default: 0] += 1
                    }
                    findings.attemptKeys.append("\(job.id)#\(attempt.attempt)#\(attempt.outcome == .succeeded ? "FINISHED" : "FAILED")")
                }
                let result = try ledger.result(job: job.id)
                if job.state != .done || result == nil || !finished.contains("\(job.model)/\(job.repeat)/\(job.fold)") {
                    findings.jobsLost.append("\(job.id) (\(job.state.rawValue))")
                }
                if attempts.filter({ $0.outcome == .succeeded }).count > 1 { findings.jobsDoneTwice.append(job.id) }
            }
        }
        return findings
    }

    /// Events still waiting in the coordinator's MLflow outboxes, and those the server refused.
    static func outboxes(stateDirectory: String) throws -> (pending: Int, rejected: [String]) {
        let directory = (stateDirectory as NSString).appendingPathComponent("mlflow")
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix("-outbox.sqlite") }
        var pending = 0, rejected: [String] = []
        for file in files {
            let database = try SQLiteDatabase(path: (directory as NSString).appendingPathComponent(file))
            pending += try database.query("SELECT count(*) AS n FROM events").first?["n"].int ?? 0
            rejected += try database.query("SELECT run_key, kind, error FROM rejected").map {
                "\($0["run_key"].string ?? "?") \($0["kind"].string ?? "?"): \($0["error"].string ?? "?")"
            }
        }
        return (pending, rejected)
    }

    /// MLflow's side, from its Python client: one JSON object (see `inspection`).
    static func mlflow(python: String, uri: String, experiment: String, attemptKeys: [String]) throws -> [String: Any] {
        let keys = NSTemporaryDirectory() + "spectrofold-soak-attempts-\(UUID().uuidString).json"
        try JSONSerialization.data(withJSONObject: attemptKeys).write(to: URL(fileURLWithPath: keys))
        defer { try? FileManager.default.removeItem(atPath: keys) }
        let result = try ChildProcess.run(python, arguments: ["-c", inspection, uri, experiment, keys])
        guard result.status == 0, let report = try? JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any] else {
            throw SoakError("the MLflow inspection failed (exit \(result.status)): \(result.standardError.suffix(3000))")
        }
        return report
    }

    /// Reads every run of the experiment and prints one JSON object: parents, children,
    /// children_per_job (how many jobs have 1, 2, … children), jobs_without_one_finished_child,
    /// duplicate_run_keys (job_id + attempt tags seen twice), attempts_missing (ledger attempts
    /// without a child, or whose child's status disagrees), children_not_in_ledger,
    /// duplicated_epoch_points (metric history entries at a step already logged),
    /// parents_not_finished and aggregate_mismatches (parent `<model>/<score>_mean` and `_std`
    /// against its FINISHED children's `final/<score>`).
    static let inspection = #"""
import collections, json, math, statistics, sys
from mlflow.tracking import MlflowClient

uri, name, keys_file = sys.argv[1], sys.argv[2], sys.argv[3]
expected = json.load(open(keys_file))
client = MlflowClient(tracking_uri=uri)
experiment = client.get_experiment_by_name(name)
runs = []
if experiment:
    token = None
    while True:
        page = client.search_runs([experiment.experiment_id], max_results=1000, page_token=token)
        runs += list(page)
        token = page.token
        if not token:
            break
parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
keys = collections.Counter(f"{c.data.tags.get('job_id')}#{c.data.tags.get('attempt')}" for c in children)
by_job = collections.defaultdict(list)
for c in children:
    by_job[c.data.tags.get("job_id")].append(c)
ledger_jobs = {k.split("#")[0] for k in expected}
got = {f"{c.data.tags.get('job_id')}#{c.data.tags.get('attempt')}#{c.info.status}" for c in children}
duplicated_points = []
for c in children:
    for key in c.data.metrics:
        if key.startswith("final/"):
            continue
        steps = collections.Counter(m.step for m in client.get_metric_history(c.info.run_id, key))
        duplicated_points += [f"{c.data.tags.get('job_id')}#{c.data.tags.get('attempt')} {key} step {s} x{n}" for s, n in steps.items() if n > 1]
mismatches = []
for parent in parents:
    finished = [c for c in children if c.data.tags["mlflow.parentRunId"] == parent.info.run_id and c.info.status == "FINISHED"]
    models = collections.defaultdict(list)
    for c in finished:
        models[c.data.tags.get("job_id").split("/")[1]].append(c)
    for model, runs_of_model in models.items():
        for key in [k for k in runs_of_model[0].data.metrics if k.startswith("final/")]:
            score = key[len("final/"):]
            values = [c.data.metrics[key] for c in runs_of_model]
            wanted = {f"{model}/{score}_mean": statistics.fmean(values)}
            if len(values) > 1:
                wanted[f"{model}/{score}_std"] = statistics.stdev(values)
            for metric, value in wanted.items():
                have = parent.data.metrics.get(metric)
                if have is None or not math.isclose(have, value, rel_tol=1e-6, abs_tol=1e-9):
                    mismatches.append(f"{parent.info.run_name} {metric}: {have} != {value}")
print(json.dumps({
    "parents": len(parents),
    "children": len(children),
    "children_per_job": dict(sorted(collections.Counter(str(len(v)) for v in by_job.values()).items())),
    "jobs_without_one_finished_child": sorted(j for j in ledger_jobs if sum(c.info.status == "FINISHED" for c in by_job.get(j, [])) != 1),
    "duplicate_run_keys": sorted(k for k, n in keys.items() if n > 1),
    "attempts_missing": sorted(set(expected) - got),
    "children_not_in_ledger": sorted(got - set(expected)),
    "duplicated_epoch_points": duplicated_points,
    "parents_not_finished": sorted(p.info.run_name for p in parents if p.info.status != "FINISHED"),
    "aggregate_mismatches": mismatches,
}))
"""#
}
