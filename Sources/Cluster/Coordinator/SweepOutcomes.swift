import Foundation
import Training

extension Ledger {
    /// The outcomes of `plan`'s jobs as the ledger holds them, in the plan's order: a done job's
    /// from its accepted result, any other as failed with its reason. A refit is not one of them.
    func outcomes(of plan: SweepPlan) throws -> [JobOutcome] {
        try jobs(sweep: plan.id).filter { $0.fold >= 0 }.map { job in
            if job.state == .done, let result = try result(job: job.id) {
                return try JSONDecoder.results.decode(JobReport.self, from: Data(result.summary.utf8)).outcome
            }
            let planned = plan.job(id: job.id)
            return .failed(JobKey(model: job.model, repeat: job.repeat, fold: job.fold), error: job.failure ?? "failed",
                           modelVersion: planned?.params["model_version"] ?? "?", params: planned?.params ?? [:],
                           examples: planned?.examples ?? JobExamples(fit: 0, selection: 0, test: 0))
        }
    }

    /// The planned job of `record`: the plan's, or for a refit the one `SweepPlan.refit` makes
    /// from the sweep's outcomes (the same as when it was queued: they do not change once the
    /// sweep's jobs have ended).
    func plannedJob(_ record: JobRecord, of plan: SweepPlan) throws -> SweepPlan.PlannedJob {
        if record.fold < 0 { return try plan.refit(record.model, outcomes: try outcomes(of: plan)).planned }
        guard let planned = plan.job(id: record.id) else { throw ClusterError("job \(record.id) is not in the plan of sweep \(record.sweep)") }
        return planned
    }
}
