import Foundation

/// What a delivery pass did and what it left.
public struct FlushReport: Sendable, CustomStringConvertible {
    /// The tracking server delivered to.
    public var uri: String
    /// Events delivered by this pass.
    public var delivered: Int
    /// Events still waiting (not zero only when `error` says why).
    public var pending: Int
    /// Every event the server has refused in this outbox's life ("<run key> <kind>: <reason>").
    public var rejected: [String]
    /// Why delivery stopped with events pending (the server unreachable, credentials refused).
    public var error: String?

    public var description: String {
        var lines = ["delivered \(delivered) tracking events to \(uri); \(pending) pending"]
        if let error { lines.append("stopped: \(error)") }
        if !rejected.isEmpty {
            lines.append("\(rejected.count) events refused by MLflow (kept in the outbox's `rejected` table):")
            lines += rejected.prefix(10).map { "  \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}

/// Delivers an outbox's events to MLflow strictly in the order recorded: an event the server
/// refuses is set aside (`rejected`) and delivery goes on; any other failure (server down,
/// credentials refused) stops the pass with the event still pending.
///
/// One pass at a time per outbox file, also across processes: a pass holds an exclusive
/// `flock` on `<outbox>.lock`.
final class OutboxDelivery: @unchecked Sendable {
    private let outbox: TrackingOutbox
    private let client: MLflowClient
    private let experimentName: String
    /// Found or created on the first delivery of a run start.
    private var experimentId: String?

    init(outbox: TrackingOutbox, client: MLflowClient, experimentName: String) {
        self.outbox = outbox
        self.client = client
        self.experimentName = experimentName
    }

    /// Delivers pending events until none is left or one cannot be delivered now; `progress`
    /// hears (delivered so far, still pending) after every 100 events.
    func deliverPending(progress: ((Int, Int) -> Void)? = nil) -> FlushReport {
        var report = FlushReport(uri: client.endpoint.uri, delivered: 0, pending: 0, rejected: [], error: nil)
        do {
            try withPassLock {
                while true {
                    let events = try outbox.pending(limit: 100)
                    if events.isEmpty { break }
                    for event in events {
                        do {
                            try deliver(event)
                            try outbox.delivered(event)
                            report.delivered += 1
                        } catch let error as MLflowError where error.rejectsRequest {
                            try outbox.reject(event, reason: "\(error)")
                        } catch let error as TrackingInputError {
                            try outbox.reject(event, reason: error.description)
                        }
                    }
                    progress?(report.delivered, try outbox.pendingCount())
                }
            }
        } catch {
            report.error = "\(error)"
        }
        report.pending = (try? outbox.pendingCount()) ?? report.pending
        report.rejected = (try? outbox.rejectedEvents()) ?? []
        return report
    }

    // MARK: - One event

    private func deliver(_ event: TrackingOutbox.Event) throws {
        switch event.operation {
        case let .startRun(name, parentKey, tags, startTime):
            if try findRun(event.runKey) != nil { return }
            var allTags = tags + [MLflowKeyValue(RunKey.tag, event.runKey)]
            if let parentKey {
                allTags.append(MLflowKeyValue("mlflow.parentRunId", try requireRun(parentKey).runId))
            }
            let run = try client.createRun(experimentId: try experiment(), name: name, startTime: startTime, tags: allTags)
            try outbox.setRun(.init(runId: run.info.runId, artifactURI: run.info.artifactUri), for: event.runKey)
        case let .log(metrics, params, tags):
            try client.logBatch(runId: try requireRun(event.runKey).runId, metrics: metrics, params: params, tags: tags)
        case let .logInputs(datasets):
            try client.logInputs(runId: try requireRun(event.runKey).runId, datasets: datasets)
        case let .uploadArtifact(storedFile, artifactPath):
            let run = try requireRun(event.runKey)
            let copy = outbox.artifactPath(storedFile)
            guard FileManager.default.fileExists(atPath: copy) else {
                throw TrackingInputError("the outbox's copy of artifact \(artifactPath) is gone (\(copy))")
            }
            try client.uploadArtifact(artifactURI: run.artifactURI, artifactPath: artifactPath, localPath: copy)
        case let .endRun(status, endTime):
            try client.updateRun(runId: try requireRun(event.runKey).runId, status: status, endTime: endTime)
        }
    }

    /// The run for `runKey`: remembered in the outbox, or found on the server by its key tag
    /// (created by an earlier pass whose answer was lost, or by another outbox).
    private func findRun(_ runKey: String) throws -> TrackingOutbox.RunRecord? {
        if let known = try outbox.run(for: runKey) { return known }
        let filter = "tags.`\(RunKey.tag)` = '\(runKey)'"
        guard let run = try client.searchRuns(experimentIds: [try experiment()], filter: filter, maxResults: 1).first else {
            return nil
        }
        let record = TrackingOutbox.RunRecord(runId: run.info.runId, artifactURI: run.info.artifactUri)
        try outbox.setRun(record, for: runKey)
        return record
    }

    private func requireRun(_ runKey: String) throws -> TrackingOutbox.RunRecord {
        guard let run = try findRun(runKey) else {
            throw TrackingInputError("run \(runKey) does not exist in MLflow (its start was refused)")
        }
        return run
    }

    private func experiment() throws -> String {
        if let experimentId { return experimentId }
        let id = try client.ensureExperiment(named: experimentName).experimentId
        experimentId = id
        return id
    }

    private func withPassLock<T>(_ body: () throws -> T) throws -> T {
        let lockPath = outbox.path + ".lock"
        let descriptor = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw TrackingInputError("cannot open the outbox lock \(lockPath): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX) == 0 else {
            throw TrackingInputError("cannot lock \(lockPath): \(String(cString: strerror(errno)))")
        }
        return try body()
    }
}
