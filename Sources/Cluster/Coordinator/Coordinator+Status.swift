import Foundation
import Training

/// STATUS: the workers and the sweeps' progress, from the ledger and the loop's liveness.
extension Coordinator {
    func statusReport(_ query: StatusQuery, now: Date) throws -> [UInt8] {
        let workers = try ledger.workers().map { worker in
            StatusReport.Worker(id: worker.id, host: worker.host, cores: worker.cores, version: worker.version,
                                state: (liveness.state(of: worker.id) ?? worker.state).rawValue,
                                silentSeconds: now.timeIntervalSince(liveness.lastHeard(from: worker.id) ?? worker.lastBeat),
                                job: worker.job, attempt: worker.attempt, epoch: worker.epoch, samplesPerSecond: rates[worker.id])
        }
        var sweeps: [StatusReport.Sweep] = []
        for sweep in try ledger.sweeps() where query.sweep == nil || query.sweep == sweep.id {
            sweeps.append(try sweepReport(sweep.id, created: sweep.created, ended: sweep.ended, now: now))
        }
        if let wanted = query.sweep, sweeps.isEmpty { throw ClusterError("no sweep '\(wanted)' on this coordinator") }
        let report = StatusReport(coordinator: endpoint, time: now.timeIntervalSince1970, workers: workers, sweeps: sweeps)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return [UInt8](try encoder.encode(report))
    }

    private func sweepReport(_ id: String, created: Date, ended: Date?, now: Date) throws -> StatusReport.Sweep {
        let status = try ledger.sweepStatus(id)
        let plan = try? JSONDecoder.results.decode(SweepPlan.self, from: Data(try ledger.sweepConfiguration(id).utf8))
        var running: [StatusReport.RunningJob] = []
        var jobSeconds: [Double] = []
        var failures: [StatusReport.FailedJob] = []
        var failedAttempts = 0
        for job in try ledger.jobs(sweep: id) {
            let epochs = plan?.job(id: job.id)?.params["epochs"].flatMap { Int($0) }
            for attempt in try ledger.attempts(job: job.id) {
                switch attempt.outcome {
                case .running:
                    running.append(StatusReport.RunningJob(job: job.id, attempt: attempt.attempt, worker: attempt.worker,
                                                           epochsDone: attempt.epoch.map { $0 + 1 } ?? 0, epochs: epochs,
                                                           elapsedSeconds: now.timeIntervalSince(attempt.started)))
                case .succeeded:
                    if let end = attempt.ended { jobSeconds.append(end.timeIntervalSince(attempt.started)) }
                case .failed, .expired, .workerLost:
                    failedAttempts += 1
                case .superseded:
                    break
                }
            }
            if job.state == .failed { failures.append(StatusReport.FailedJob(job: job.id, reason: job.failure ?? "failed")) }
        }
        let directory = recorder.map { $0.directory(of: id) } ?? ""
        let comparison = status.finished
            ? try? String(contentsOfFile: (directory as NSString).appendingPathComponent("comparison.md"), encoding: .utf8) : nil
        return StatusReport.Sweep(
            id: id, name: status.name, finished: status.finished, total: status.total, queued: status.queued, leased: status.leased,
            done: status.done, failed: status.failed, failedAttempts: failedAttempts,
            elapsedSeconds: (ended ?? now).timeIntervalSince(created),
            etaSeconds: status.finished ? 0 : SweepETA.seconds(jobSeconds: jobSeconds, running: running, queued: status.queued,
                                                               workers: liveness.aliveWorkers.count),
            running: running, failures: failures, resultsDirectory: directory, comparison: comparison,
            mlflowRun: recorder?.parentRunURL(of: id))
    }
}
