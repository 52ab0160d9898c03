import Cluster
import Foundation
import RunRecords
import Training

/// The coordinator's plans, read for it (`SweepBook`): a SUBMIT's `SweepPlan` becomes the
/// ledger's jobs, a REFIT the refit job `SweepPlan.refit` derives from the sweep's results, and
/// each job's spec names the checkpoint its worker fetches.
extension SweepRecorder {
    public func sweep(submitted submission: Submission) throws -> SubmittedSweep {
        let plan: SweepPlan
        do {
            plan = try JSONCoding.decode(SweepPlan.self, from: Data(submission.plan))
        } catch {
            throw ClusterError("SUBMIT \(submission.sweep): the plan is not a sweep plan: \(error)")
        }
        guard plan.id == submission.sweep, plan.dataset == submission.dataset, !plan.jobs.isEmpty else {
            throw ClusterError("SUBMIT \(submission.sweep): the plan names sweep '\(plan.id)' and dataset \(plan.dataset) with \(plan.jobs.count) jobs")
        }
        plans[plan.id] = plan
        let repeats = plan.folds.count > 1 ? "\(plan.folds.count) repeats × " : ""
        return SubmittedSweep(id: plan.id, name: plan.name, dataset: plan.dataset, configuration: String(decoding: submission.plan, as: UTF8.self),
                              jobs: try plan.jobs.map { try NewJob(planned: $0, spec: plan.spec(of: $0)) },
                              files: plan.checkpoints.values.map { StoredFile(digest: $0.digest, bytes: $0.bytes) },
                              summary: "\(plan.jobs.count) jobs (\(plan.models.map(\.rawValue).joined(separator: ", ")) × \(repeats)\(plan.folds.first?.k ?? 0) folds)")
    }

    public func refitJob(sweep: String, model: String) throws -> NewJob {
        let plan = try plan(sweep)
        let (planned, spec) = try plan.refit(model, outcomes: try ledger.outcomes(of: plan))
        refits[Ledger.jobID(sweep: sweep, path: planned.path)] = planned
        return try NewJob(planned: planned, spec: spec)
    }

    public func files(ofJobSpec spec: String) -> [String] {
        guard let checkpoint = (try? JSONDecoder().decode(JobSpec.self, from: Data(spec.utf8)))?.checkpoint else { return [] }
        return [checkpoint.digest]
    }

    public func epochs(of job: JobRecord) -> Int? {
        guard let plan = try? plan(job.sweep), let planned = try? plannedJob(job, of: plan) else { return nil }
        return planned.params["epochs"].flatMap { Int($0) }
    }

    /// The planned job of `record`: the plan's, or for a refit the one `SweepPlan.refit` makes
    /// from the sweep's outcomes (the same as when it was queued: they do not change once the
    /// sweep's jobs have ended).
    func plannedJob(_ record: JobRecord, of plan: SweepPlan) throws -> SweepPlan.PlannedJob {
        guard record.isRefit else {
            guard let planned = plan.job(id: record.id) else { throw ClusterError("job \(record.id) is not in the plan of sweep \(record.sweep)") }
            return planned
        }
        if let planned = refits[record.id] { return planned }
        let planned = try plan.refit(record.model, outcomes: try ledger.outcomes(of: plan)).planned
        refits[record.id] = planned
        return planned
    }
}

extension NewJob {
    /// The ledger row of a planned job, whose worker is given `spec` (as sorted-key JSON).
    init(planned: SweepPlan.PlannedJob, spec: JobSpec) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        self.init(model: planned.model.rawValue, repeat: planned.job.repeat, fold: planned.job.fold, path: planned.path,
                  spec: String(decoding: try encoder.encode(spec), as: UTF8.self), cost: JobCost.estimate(planned))
    }
}
