import Foundation
import TestSupport
import Tracking
import XCTest

/// A synthetic 4 models × 3 folds sweep recorded through `SweepTracker` into one real MLflow
/// server (started once for the class), checked with MLflow's own Python client.
final class SweepRecordingTests: XCTestCase {
    private static var started: Result<MLflowServer, Error>?

    /// Short pauses between retries, so that tests with MLflow down stay quick.
    private let quickRetry = MLflowRetryPolicy(attempts: 3, initialDelay: 0.05, maximumDelay: 0.2)
    private var directory: TemporaryDirectory!
    private var server: MLflowServer!

    override class func setUp() {
        super.setUp()
        started = MLflowServer.startInTemporaryDirectory()
    }

    override class func tearDown() {
        (try? started?.get())?.stopAndRemoveStore()
        super.tearDown()
    }

    override func setUpWithError() throws {
        server = try Self.started!.get()
        directory = try TemporaryDirectory()
    }

    override func tearDown() { directory?.remove() }

    private func settings(_ experiment: String) -> TrackingSettings {
        TrackingSettings(uri: server.uri, experiment: experiment)
    }

    // MARK: - Tests

    func testFourModelsByThreeFoldsGiveOneParentAndTwelveCompleteChildren() throws {
        let sweep = try SyntheticSweep(name: "complete")
        defer { sweep.files.remove() }
        let outbox = try TrackingOutbox(path: directory.file("outbox.sqlite"))
        let tracker = try SweepTracker(outbox: outbox, settings: settings("complete"), credentials: .none, retry: quickRetry)
        try sweep.recordAll(tracker)
        let report = tracker.flush()
        tracker.close()
        XCTAssertEqual(report.pending, 0, "\(report)")
        XCTAssertNil(report.error)
        XCTAssertEqual(report.rejected, [])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outbox.artifactsDirectory), [],
                       "artifact copies are removed once delivered")

        try assertComplete(try MLflowInspection.of(experiment: "complete", at: server.uri), sweep)
    }

    /// MLflow goes down in the middle of a job; the recording process exits with events
    /// pending; a second process on the same outbox records the rest of the sweep while MLflow
    /// is still down; MLflow comes back and `spectrofold mlflow flush` (a third process)
    /// delivers everything. Then the outbox as it was before that flush is delivered once more,
    /// as if the flushing process had crashed after sending everything but before noting any of
    /// it: still one parent, twelve children, one point per epoch.
    func testOutageAndProcessRestartsLoseNothingAndDuplicateNothing() throws {
        let sweep = try SyntheticSweep(name: "outage")
        defer { sweep.files.remove() }
        let stateDirectory = directory.file("state")
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        let outboxPath = (stateDirectory as NSString).appendingPathComponent(TrackingOutbox.defaultFileName)
        let jobs = SyntheticSweep.jobs
        defer { try? server.start() }  // leave the class's server running whatever happens

        do {  // the first recording process
            let tracker = try SweepTracker(outbox: try TrackingOutbox(path: outboxPath), settings: settings("outage"),
                                           credentials: .none, retry: quickRetry)
            try sweep.recordStart(tracker)
            for (model, fold) in jobs[0..<4] { try sweep.recordJob(tracker, model, fold) }
            let (model, fold) = jobs[4]
            try sweep.recordJobStart(tracker, model, fold)
            try sweep.recordEpochs(tracker, model, fold, 1...1)
            XCTAssertEqual(tracker.flush().pending, 0)

            server.stop()
            try sweep.recordEpochs(tracker, model, fold, 2...SyntheticSweep.epochs)
            try sweep.recordJobFinished(tracker, model, fold)
            for (model, fold) in jobs[5..<8] { try sweep.recordJob(tracker, model, fold) }
            let report = tracker.flush()
            XCTAssertGreaterThan(report.pending, 40, "\(report)")
            XCTAssertTrue(report.error?.contains("MLflow at \(server.uri) is unreachable") == true, "\(report)")
            tracker.close()
        }
        do {  // a second process on the same outbox, MLflow still down
            let tracker = try SweepTracker(outbox: try TrackingOutbox(path: outboxPath), settings: settings("outage"),
                                           credentials: .none, retry: quickRetry)
            for (model, fold) in jobs[8...] { try sweep.recordJob(tracker, model, fold) }
            try sweep.recordFinish(tracker)
            tracker.close()
        }
        let snapshot = directory.file("snapshot")
        try FileManager.default.copyItem(atPath: stateDirectory, toPath: snapshot)

        let spectrofold = try BuiltProducts.executable("spectrofold")
        let refused = try ChildProcess.run(spectrofold, arguments: ["mlflow", "flush", "--state", stateDirectory])
        XCTAssertEqual(refused.status, 1, refused.standardOutput + refused.standardError)
        XCTAssertTrue(refused.standardOutput.contains("delivered 0 tracking events to \(server.uri);"), refused.standardOutput)
        XCTAssertTrue(refused.standardOutput.contains("stopped: MLflow at \(server.uri) is unreachable"), refused.standardOutput)

        try server.start()
        let flush = try ChildProcess.run(spectrofold, arguments: ["mlflow", "flush", "--state", stateDirectory])
        XCTAssertEqual(flush.status, 0, flush.standardOutput + flush.standardError)
        XCTAssertTrue(flush.standardOutput.contains("to \(server.uri); 0 pending"), flush.standardOutput)
        let first = try MLflowInspection.of(experiment: "outage", at: server.uri)
        try assertComplete(first, sweep)

        try FileManager.default.removeItem(atPath: stateDirectory)
        try FileManager.default.moveItem(atPath: snapshot, toPath: stateDirectory)
        let replay = try SweepTracker(outbox: try TrackingOutbox(path: outboxPath), settings: settings("outage"),
                                      credentials: .none, deliverInBackground: false).flush()
        XCTAssertEqual(replay.pending, 0, "\(replay)")
        XCTAssertGreaterThan(replay.delivered, 40, "\(replay)")
        let second = try MLflowInspection.of(experiment: "outage", at: server.uri)
        try assertComplete(second, sweep)
        XCTAssertEqual(Set(second.runs.map(\.id)), Set(first.runs.map(\.id)))
    }

    func testFailedAttemptEndsFailedWithItsErrorAndTheRetryFinishes() throws {
        let sweep = try SyntheticSweep(name: "retry")
        defer { sweep.files.remove() }
        let tracker = try SweepTracker(outbox: try TrackingOutbox(path: directory.file("outbox.sqlite")),
                                       settings: settings("retry"), credentials: .none, retry: quickRetry)
        try sweep.recordStart(tracker)
        try sweep.recordJobStart(tracker, "ast", 0, attempt: 1)
        try sweep.recordEpochs(tracker, "ast", 0, 1...1, attempt: 1)
        let error = "lease expired: worker-0 silent for 5 s"
        try tracker.jobFailed(sweep.job("ast", 0, attempt: 1), error: error)
        try sweep.recordJobStart(tracker, "ast", 0, attempt: 2)
        let first = SyntheticSweep.metrics("ast", 0, epoch: 1)
        try tracker.epochFinished(sweep.job("ast", 0, attempt: 2), first)
        try tracker.epochFinished(sweep.job("ast", 0, attempt: 2), first)  // a progress message sent again
        try sweep.recordEpochs(tracker, "ast", 0, 2...SyntheticSweep.epochs, attempt: 2)
        try sweep.recordJobFinished(tracker, "ast", 0, attempt: 2)
        try tracker.sweepFailed(sweepId: sweep.sweepId, error: "cancelled by the user")
        let report = tracker.flush()
        XCTAssertEqual(report.pending, 0, "\(report)")

        let inspection = try MLflowInspection.of(experiment: "retry", at: server.uri)
        let parent = try XCTUnwrap(inspection.parents.first)
        XCTAssertEqual(inspection.parents.count, 1)
        XCTAssertEqual(parent.status, "FAILED")
        XCTAssertEqual(parent.tags["error"], "cancelled by the user")
        let attempts = Dictionary(uniqueKeysWithValues: inspection.runs.filter { $0.parentId == parent.id }.map { ($0.tags["attempt"] ?? "?", $0) })
        XCTAssertEqual(Set(attempts.keys), ["1", "2"])
        XCTAssertEqual(attempts["1"]?.name, "ast/fold-0")
        XCTAssertEqual(attempts["1"]?.status, "FAILED")
        XCTAssertEqual(attempts["1"]?.tags["error"], error)
        XCTAssertEqual(attempts["1"]?.histories["val_loss"]?.map { $0[0] }, [1])
        XCTAssertEqual(attempts["2"]?.status, "FINISHED")
        XCTAssertNil(attempts["2"]?.tags["error"])
        XCTAssertEqual(attempts["2"]?.histories["val_loss"]?.map { $0[0] }, [1, 2, 3])
    }

    /// 2500 metrics, 250 params and 150 tags in one call: more than one request may carry.
    func testLogBatchBeyondMLflowsLimitsIsSplitIntoAcceptedRequests() throws {
        let client = try MLflowClient(uri: server.uri, credentials: .none)
        let experiment = try client.ensureExperiment(named: "limits")
        let run = try client.createRun(experimentId: experiment.experimentId, name: "big", startTime: 1, tags: [])
        let metrics = (0..<2500).map { MLflowMetric(key: "m\($0 % 3)", value: Double($0) / 7, timestamp: 1000 + Int64($0), step: Int64($0)) }
        try client.logBatch(runId: run.info.runId, metrics: metrics,
                            params: (0..<250).map { MLflowKeyValue("p\($0)", "v\($0)") },
                            tags: (0..<150).map { MLflowKeyValue("t\($0)", "x\($0)") })
        try client.updateRun(runId: run.info.runId, status: .finished, endTime: 2)

        let logged = try XCTUnwrap(MLflowInspection.of(experiment: "limits", at: server.uri).runs.first)
        XCTAssertEqual(logged.status, "FINISHED")
        XCTAssertEqual(logged.params.count, 250)
        XCTAssertEqual(logged.params["p249"], "v249")
        XCTAssertEqual(logged.tags.keys.filter { $0.hasPrefix("t") }.count, 150)
        for key in 0..<3 {
            let expected = metrics.filter { $0.key == "m\(key)" }
            let history = logged.histories["m\(key)"] ?? []
            XCTAssertEqual(history.map { Int64($0[0]) }.sorted(), expected.map(\.step), "m\(key)")
            XCTAssertEqual(history.map { $0[1] }.sorted(), expected.map(\.value).sorted(), "m\(key)")
        }
    }

    // MARK: - The complete result

    private func assertComplete(_ inspection: MLflowInspection, _ sweep: SyntheticSweep,
                                file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(inspection.parents.count, 1, "parent runs", file: file, line: line)
        XCTAssertEqual(inspection.runs.count, 13, "runs in the experiment", file: file, line: line)
        let parent = try XCTUnwrap(inspection.parents.first, file: file, line: line)
        XCTAssertEqual(parent.name, sweep.name, file: file, line: line)
        XCTAssertEqual(parent.status, "FINISHED", file: file, line: line)
        XCTAssertEqual(parent.tags["sweep_id"], sweep.sweepId, file: file, line: line)
        XCTAssertEqual(parent.tags["mlflow.source.git.commit"], "0123456789abcdef", file: file, line: line)
        XCTAssertEqual(parent.tags["mlflow.source.name"], "spectrofold run configs/demo.yaml", file: file, line: line)
        XCTAssertEqual(parent.tags["mlflow.note.content"], SyntheticSweep.comparisonMarkdown, file: file, line: line)
        XCTAssertEqual(parent.params, Dictionary(uniqueKeysWithValues: SyntheticSweep.configParams.map { ($0.key, $0.value) }), file: file, line: line)
        XCTAssertEqual(parent.artifacts, SyntheticSweep.parentArtifacts, file: file, line: line)
        let digest = String(SyntheticSweep.dataset.digest.prefix(36))
        XCTAssertEqual(parent.inputs, [["demo-pack", digest, "train"]], file: file, line: line)

        // Aggregates: numpy's mean and std(ddof=1) of the children's final scores, and ours.
        let ours = Dictionary(uniqueKeysWithValues: SweepAggregates.compute(
            SyntheticSweep.jobs.map { FoldResult(model: $0.model, fold: $0.fold, scores: SyntheticSweep.scores($0.model, $0.fold)) }).map { ($0.key, $0.value) })
        XCTAssertEqual(inspection.expectedAggregates.count, SyntheticSweep.models.count * 5 * 2, file: file, line: line)
        XCTAssertEqual(Set(parent.histories.keys), Set(inspection.expectedAggregates.keys), file: file, line: line)
        for (key, expected) in inspection.expectedAggregates {
            XCTAssertEqual(parent.histories[key]?.count, 1, key, file: file, line: line)
            XCTAssertEqual(parent.histories[key]?.first?[1] ?? .nan, expected, accuracy: 1e-12, key, file: file, line: line)
            XCTAssertEqual(ours[key] ?? .nan, expected, accuracy: 1e-12, key, file: file, line: line)
        }

        let children = inspection.runs.filter { $0.parentId == parent.id }
        XCTAssertEqual(children.count, 12, "children of the parent", file: file, line: line)
        XCTAssertEqual(Set(children.map(\.name)), Set(SyntheticSweep.jobs.map { "\($0.model)/fold-\($0.fold)" }), file: file, line: line)
        for child in children {
            let model = try XCTUnwrap(child.tags["model"], file: file, line: line)
            let fold = try XCTUnwrap(child.tags["fold"].flatMap(Int.init), file: file, line: line)
            let what = child.name
            XCTAssertEqual(child.status, "FINISHED", what, file: file, line: line)
            XCTAssertEqual(child.tags["job_id"], "\(model)/fold-\(fold)", what, file: file, line: line)
            XCTAssertEqual(child.tags["attempt"], "1", what, file: file, line: line)
            XCTAssertEqual(child.tags["worker"], "worker-\(fold % 2)", what, file: file, line: line)
            XCTAssertEqual(child.tags["sweep_id"], sweep.sweepId, what, file: file, line: line)
            XCTAssertEqual(child.params, Dictionary(uniqueKeysWithValues: SyntheticSweep.params(model).map { ($0.key, $0.value) }), what, file: file, line: line)
            for name in JobStart.requiredParams { XCTAssertNotNil(child.params[name], "\(what) \(name)", file: file, line: line) }
            let epochs = (1...SyntheticSweep.epochs).map { SyntheticSweep.metrics(model, fold, epoch: $0) }
            for (index, (metric, _)) in epochs[0].namedForTests.enumerated() {
                let history = child.histories[metric] ?? []
                XCTAssertEqual(history.map { Int($0[0]) }, Array(1...SyntheticSweep.epochs), "\(what) \(metric) steps", file: file, line: line)
                XCTAssertEqual(history.map { $0[1] }, epochs.map { $0.namedForTests[index].1 }, "\(what) \(metric) values", file: file, line: line)
            }
            for (score, value) in SyntheticSweep.scores(model, fold).named {
                XCTAssertEqual(child.histories["final/\(score)"]?.map { $0[1] }, [value], "\(what) final/\(score)", file: file, line: line)
            }
            XCTAssertEqual(child.histories.count, 8 + 5, "\(what) metrics", file: file, line: line)
            XCTAssertEqual(child.artifacts, SyntheticSweep.childArtifacts, what, file: file, line: line)
            XCTAssertEqual(child.stateDict, SyntheticSweep.stateDictShapes, what, file: file, line: line)
            XCTAssertEqual(child.confusionMatrixSize, [1, 1], what, file: file, line: line)
            XCTAssertEqual(child.inputs, [["demo-pack", digest, "train"]], what, file: file, line: line)
        }
    }
}

extension EpochMetrics {
    /// The MLflow names of the eight per-epoch metrics, as the issue lists them.
    var namedForTests: [(String, Double)] {
        [("train_loss", record.trainLoss), ("train_accuracy", record.trainAccuracy), ("val_loss", record.valLoss!),
         ("val_accuracy", record.valAccuracy!), ("val_f1_weighted", record.valF1Weighted!),
         ("val_precision_weighted", record.valPrecisionWeighted!), ("val_recall_weighted", record.valRecallWeighted!),
         ("learning_rate", record.learningRate)]
    }
}
