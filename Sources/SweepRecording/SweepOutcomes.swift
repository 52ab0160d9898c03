import Cluster
import Foundation
import Training

extension Ledger {
    /// The outcomes of `plan`'s jobs as the ledger holds them, in the plan's order: a done job's
    /// from its accepted result, any other as failed with its reason. A refit is not one of them.
    func outcomes(of plan: SweepPlan) throws -> [JobOutcome] {
        try jobs(sweep: plan.id).filter { !$0.isRefit }.map { job in
            if job.state == .done, let result = try result(job: job.id) {
                return try JSONDecoder.results.decode(JobReport.self, from: Data(result.summary.utf8)).outcome
            }
            let planned = plan.job(id: job.id)
            return .failed(JobKey(model: job.model, repeat: job.repeat, fold: job.fold), error: job.failure ?? "failed",
                           modelVersion: planned?.params["model_version"] ?? "?", params: planned?.params ?? [:],
                           examples: planned?.examples ?? JobExamples(fit: 0, selection: 0, test: 0))
        }
    }

}
