import Foundation
import RunRecords

/// STATUS: the workers and the sweeps' progress, from the ledger and the loop's liveness.
extension Coordinator {
    func statusReport(_ query: StatusQuery, now: Date) throws -> [UInt8] {
        let workers = try ledger.workers().map { worker in
            StatusReport.Worker(id: worker.id, host: worker.host, cores: worker.cores, version: worker.version,
                                state: (liveness.state(of: worker.id) ?? worker.state).rawValue,
                                silentSeconds: now.timeIntervalSince(liveness.lastHeard(from: worker.id) ?? worker.lastBeat),
                                job: worker.job, attempt: worker.attempt, epoch: worker.epoch, samplesPerSecond: rates[worker.id],
                                blas: blasKernels[worker.id])
        }
        var sweeps: [StatusReport.Sweep] = []
        for sweep in try ledger.sweeps() where query.sweep == nil || query.sweep == sweep.id {
            sweeps.append(try sweepReport(sweep.id, created: sweep.created, ended: sweep.ended, now: now))
        }
        if let wanted = query.sweep, sweeps.isEmpty { throw ClusterError("no sweep '\(wanted)' on this coordinator") }
        let report = StatusReport(coordinator: endpoint, time: now.timeIntervalSince1970, workers: workers, sweeps: sweeps)
        return [UInt8](try JSONCoding.encoder([.sortedKeys]).encode(report))
    }

    private func sweepReport(_ id: String, created: Date, ended: Date?, now: Date) throws -> StatusReport.Sweep {
        let status = try ledger.sweepStatus(id)
        var running: [(job: JobRecord, report: StatusReport.RunningJob)] = []
        var queued: [JobRecord] = []
        var failures: [StatusReport.FailedJob] = []
        var failedAttempts = 0
        for job in try ledger.jobs(sweep: id) {
            let epochs = book?.epochs(of: job)
            for attempt in try ledger.attempts(job: job.id) {
                switch attempt.outcome {
                case .running:
                    running.append((job, StatusReport.RunningJob(job: job.id, attempt: attempt.attempt, worker: attempt.worker,
                                                                 epochsDone: attempt.epoch.map { $0 + 1 } ?? 0, epochs: epochs,
                                                                 elapsedSeconds: now.timeIntervalSince(attempt.started))))
                case .failed, .expired, .workerLost:
                    failedAttempts += 1
                case .succeeded, .superseded:
                    break
                }
            }
            if job.state == .queued { queued.append(job) }
            if job.state == .failed { failures.append(StatusReport.FailedJob(job: job.id, reason: job.failure ?? "failed")) }
        }
        let directory = book?.directory(of: id) ?? ""
        let comparison = status.finished
            ? try? String(contentsOfFile: (directory as NSString).appendingPathComponent("comparison.md"), encoding: .utf8) : nil
        return StatusReport.Sweep(
            id: id, name: status.name, finished: status.finished, total: status.total, queued: status.queued, leased: status.leased,
            done: status.done, failed: status.failed, failedAttempts: failedAttempts,
            elapsedSeconds: (ended ?? now).timeIntervalSince(created),
            etaSeconds: status.finished ? 0 : try eta(sweep: id, queued: queued, running: running),
            running: running.map(\.report), failures: failures, resultsDirectory: directory, comparison: comparison,
            mlflowRun: book?.parentRunURL(of: id))
    }

    /// The sweep's ETA (`SweepETA`) with every job's expected seconds from its planned cost and
    /// the sweep's measured pace (`Ledger.durations`); before any job finished, the running jobs'
    /// epochs give the pace. Nil while nothing gives it.
    private func eta(sweep: String, queued: [JobRecord], running: [(job: JobRecord, report: StatusReport.RunningJob)]) throws -> Double? {
        var durations = try ledger.durations(sweep: sweep)
        if !durations.isCalibrated {
            durations = JobDurations(running.compactMap { job, report in
                guard let epochs = report.epochs, report.epochsDone > 0 else { return nil }
                return JobDurations.Measured(model: job.model, cost: job.cost,
                                             seconds: report.elapsedSeconds * Double(epochs) / Double(report.epochsDone))
            })
        }
        guard durations.isCalibrated else { return queued.isEmpty && running.isEmpty ? 0 : nil }
        return SweepETA.seconds(queued: queued.compactMap { durations.seconds(model: $0.model, cost: $0.cost) },
                                runningLeft: running.compactMap { job, report in
                                    durations.seconds(model: job.model, cost: job.cost).map { $0 - report.elapsedSeconds }
                                },
                                workers: liveness.aliveWorkers.count)
    }
}
