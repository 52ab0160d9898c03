import Cluster
import Foundation
import RunRecords
import Training

extension Ledger {
    /// The outcomes of `plan`'s jobs as the ledger holds them, in the plan's order: a done job's
    /// from its accepted result, any other as failed with its reason. A refit is not one of them.
    func outcomes(of plan: SweepPlan) throws -> [JobOutcome] {
        try jobs(sweep: plan.id).filter { !$0.isRefit }.map { job in
            if job.state == .done, let result = try result(job: job.id) {
                return try JSONCoding.decode(JobReport.self, from: Data(result.summary.utf8)).outcome
            }
            guard let planned = plan.job(id: job.id) else { throw ClusterError("job \(job.id) is not in the plan of sweep \(plan.id)") }
            return .failed(planned.job, error: job.failure ?? "failed", modelVersion: planned.params["model_version"] ?? "?",
                           params: planned.params, examples: planned.examples)
        }
    }

}
