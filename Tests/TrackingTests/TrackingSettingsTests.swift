import Foundation
import RunRecords
import TestSupport
import Tracking
import XCTest

/// Resolving where to track, credentials, and the preflight errors that need no server.
final class TrackingSettingsTests: XCTestCase {
    private let environment = ["MLFLOW_TRACKING_URI": "http://env:5000", "MLFLOW_EXPERIMENT_NAME": "env-experiment"]

    func testFlagWinsOverConfigWhichWinsOverEnvironmentThenDefault() throws {
        let flag = try TrackingSettings.resolve(flagURI: "http://flag:1", flagExperiment: "flag-exp",
                                                configURI: "http://config:2", configExperiment: "config-exp", environment: environment)
        XCTAssertEqual(flag, TrackingSettings(uri: "http://flag:1", experiment: "flag-exp", uriSource: "--mlflow"))

        let config = try TrackingSettings.resolve(flagURI: nil, flagExperiment: "", configURI: "http://config:2",
                                                  configExperiment: "config-exp", environment: environment)
        XCTAssertEqual(config.uri, "http://config:2")
        XCTAssertEqual(config.experiment, "config-exp")
        XCTAssertEqual(config.uriSource, "the config file (tracking.uri)")

        let env = try TrackingSettings.resolve(flagURI: nil, flagExperiment: nil, configURI: "", configExperiment: "", environment: environment)
        XCTAssertEqual(env, TrackingSettings(uri: "http://env:5000", experiment: "env-experiment", uriSource: "MLFLOW_TRACKING_URI"))

        let fallback = try TrackingSettings.resolve(flagURI: "http://flag:1", flagExperiment: nil, configURI: nil,
                                                    configExperiment: nil, environment: [:])
        XCTAssertEqual(fallback.experiment, "spectrofold")

        XCTAssertThrowsError(try TrackingSettings.resolve(flagURI: "", flagExperiment: "x", configURI: "", configExperiment: nil, environment: [:])) {
            XCTAssertEqual($0 as? TrackingSettingsError, .noTrackingURI)
            XCTAssertTrue("\($0)".contains("--no-tracking"), "\($0)")
        }
    }

    func testCredentialsComeFromMLflowsVariables() throws {
        XCTAssertEqual(try MLflowCredentials(environment: [:]), .none)
        XCTAssertEqual(try MLflowCredentials(environment: ["MLFLOW_TRACKING_TOKEN": "t0k"]), .bearer(token: "t0k"))
        XCTAssertEqual(try MLflowCredentials(environment: ["MLFLOW_TRACKING_USERNAME": "ann", "MLFLOW_TRACKING_PASSWORD": "pw",
                                                           "MLFLOW_TRACKING_TOKEN": "t0k"]),
                       .basic(username: "ann", password: "pw"))
        XCTAssertThrowsError(try MLflowCredentials(environment: ["MLFLOW_TRACKING_USERNAME": "ann"])) {
            XCTAssertEqual("\($0)", "MLflow credentials are incomplete: MLFLOW_TRACKING_PASSWORD is not set")
        }
    }

    func testMalformedURIsAreClearErrorsNamingTheURI() {
        let cases = [
            "htp://127.0.0.1:5000": "scheme 'htp' is not supported",
            "file:///tmp/mlruns": "scheme 'file' is not supported",
            "http://": "no host",
            "http://127.0.0.1:99999": "port 99999 is outside 1...65535",
            "http://127.0.0.1:5000/?x=1": "without query or fragment",
            "127.0.0.1 5000": "expected http://host:port",
        ]
        for (uri, reason) in cases {
            let settings = TrackingSettings(uri: uri, experiment: "e", uriSource: "MLFLOW_TRACKING_URI")
            XCTAssertThrowsError(try TrackingPreflight.check(settings, credentials: .none), uri) {
                let text = "\($0)"
                XCTAssertTrue(text.contains("MLflow tracking URI '\(uri)' is malformed"), text)
                XCTAssertTrue(text.contains(reason), text)
                XCTAssertTrue(text.contains("URI from MLFLOW_TRACKING_URI"), text)
            }
        }
    }

    func testUnreachableServerIsAClearErrorAtOnce() throws {
        let uri = "http://127.0.0.1:\(try FreePort.loopback())"
        XCTAssertThrowsError(try TrackingPreflight.check(TrackingSettings(uri: uri, experiment: "e"), credentials: .none)) {
            let text = "\($0)"
            XCTAssertTrue(text.contains("MLflow at \(uri) is unreachable (GET /api/2.0/mlflow/experiments/get-by-name)"), text)
            XCTAssertTrue(text.contains("--no-tracking"), text)
        }
    }

    /// Bad events are refused when recorded, with the field named, and nothing recorded before
    /// them is lost. No server is contacted.
    /// Each event of a run is recorded once, so a coordinator may replay its whole ledger after
    /// a restart: repeats add nothing, while a run's failure and its late finish are both kept.
    func testEachEventOfARunIsRecordedOnce() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let outbox = try TrackingOutbox(path: directory.file("outbox.sqlite"))
        let tracker = try SweepTracker(outbox: outbox, settings: TrackingSettings(uri: "http://127.0.0.1:9", experiment: "e"),
                                       credentials: .none, deliverInBackground: false)
        let job = JobIdentity(sweepId: "s1", jobId: "s1/ast/fold-0", attempt: 1)
        let params = ["learning_rate", "optimizer", "batch_size", "dropout", "model_version"].map { ($0, "1") }
        let epoch = EpochMetrics(EpochRecord(epoch: 0, trainLoss: 1, trainAccuracy: 0, valLoss: 1, valAccuracy: 0, valF1Weighted: 0,
                                 valPrecisionWeighted: 0, valRecallWeighted: 0, learningRate: 0.1, seconds: 1))
        let scores = FoldScores(accuracy: 1, f1Weighted: 1, precisionWeighted: 1, recallWeighted: 1, valLoss: 0)
        var counts: [Int] = []
        for _ in 0..<2 {
            try tracker.sweepStarted(SweepDescription(sweepId: "s1", name: "s", params: [("a", "1")]))
            try tracker.jobStarted(JobStart(job: job, name: "ast/fold-0", model: "ast", repeat: 0, fold: 0, worker: "w", params: params))
            try tracker.epochFinished(job, epoch)
            try tracker.jobFailed(job, error: "worker-lost: silent")
            try tracker.jobFinished(job, JobResult(scores: scores, artifacts: []))
            try tracker.sweepFinished(sweepId: "s1", SweepSummary(results: [], comparisonMarkdown: "| x |", artifacts: []))
            counts.append(try outbox.pendingCount())
        }
        XCTAssertEqual(counts[0], counts[1], "the second round recorded nothing")
        XCTAssertTrue(try tracker.recordedEnd(ofSweep: "s1"))
        try tracker.epochFinished(job, EpochMetrics(EpochRecord(epoch: 1, trainLoss: 1, trainAccuracy: 0, valLoss: 1, valAccuracy: 0, valF1Weighted: 0,
                                                    valPrecisionWeighted: 0, valRecallWeighted: 0, learningRate: 0.1, seconds: 1)))
        XCTAssertEqual(try outbox.pendingCount(), counts[1] + 1, "another epoch is another event")
    }

    func testBadEventsAreRefusedWhenRecordedAndLoseNothing() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let outbox = try TrackingOutbox(path: directory.file("outbox.sqlite"))
        let tracker = try SweepTracker(outbox: outbox, settings: TrackingSettings(uri: "http://127.0.0.1:9", experiment: "e"),
                                       credentials: .none, deliverInBackground: false)
        try tracker.sweepStarted(SweepDescription(sweepId: "s1", name: "s", params: [("a", "1")]))
        let recorded = try outbox.pendingCount()
        let job = JobIdentity(sweepId: "s1", jobId: "ast/fold-0", attempt: 1)

        func refused(_ expected: String, _ body: () throws -> Void) {
            XCTAssertThrowsError(try body()) { XCTAssertTrue("\($0)".contains(expected), "\($0)") }
        }
        refused("missing params dropout, model_version") {
            try tracker.jobStarted(JobStart(job: job, name: "ast/fold-0", model: "ast", repeat: 0, fold: 0, worker: "w",
                                            params: [("learning_rate", "0.1"), ("optimizer", "sgd"), ("batch_size", "8")]))
        }
        refused("job id 'it's' must be non-empty, without quotes") {
            try tracker.epochFinished(JobIdentity(sweepId: "s1", jobId: "it's", attempt: 1),
                                      EpochMetrics(EpochRecord(epoch: 0, trainLoss: 1, trainAccuracy: 0, valLoss: 1, valAccuracy: 0,
                                                   valF1Weighted: 0, valPrecisionWeighted: 0, valRecallWeighted: 0, learningRate: 0.1, seconds: 1)))
        }
        let missing = directory.file("no-such-state-dict.safetensors")
        refused("artifact file '\(missing)' cannot be copied") {
            try tracker.jobFinished(job, JobResult(scores: FoldScores(accuracy: 1, f1Weighted: 1, precisionWeighted: 1, recallWeighted: 1, valLoss: 0),
                                                   artifacts: [ArtifactFile(localPath: missing, artifactPath: "model/state_dict.safetensors")]))
        }
        refused("artifact path '../escape.csv' must be relative") {
            try tracker.jobFinished(job, JobResult(scores: FoldScores(accuracy: 1, f1Weighted: 1, precisionWeighted: 1, recallWeighted: 1, valLoss: 0),
                                                   artifacts: [ArtifactFile(localPath: missing, artifactPath: "../escape.csv")]))
        }
        refused("tag 'mlflow.note.content' is 9000 characters long") {
            try tracker.sweepFinished(sweepId: "s1", SweepSummary(results: [], comparisonMarkdown: String(repeating: "x", count: 9000), artifacts: []))
        }
        refused("param 'a' is given twice") {
            try tracker.sweepStarted(SweepDescription(sweepId: "s2", name: "s", params: [("a", "1"), ("a", "2")]))
        }
        XCTAssertEqual(try outbox.pendingCount(), recorded)
    }

    func testAggregatesAreMeanAndSampleStandardDeviation() {
        func scores(_ accuracy: Double) -> FoldScores {
            FoldScores(accuracy: accuracy, f1Weighted: 0.5, precisionWeighted: 0.5, recallWeighted: 0.5, valLoss: 1)
        }
        let aggregates = Dictionary(uniqueKeysWithValues: SweepAggregates.compute([
            FoldResult(model: "ast", fold: 0, scores: scores(0.1)), FoldResult(model: "ast", fold: 1, scores: scores(0.2)),
            FoldResult(model: "ast", fold: 2, scores: scores(0.3)), FoldResult(model: "ast", fold: 3, scores: scores(0.4)),
            FoldResult(model: "cnn_mlp", fold: 0, scores: scores(0.9)),
        ]).map { ($0.key, $0.value) })
        XCTAssertEqual(aggregates["ast/accuracy_mean"] ?? .nan, 0.25, accuracy: 1e-15)
        // sqrt(((0.15² + 0.05²) · 2) / (4 − 1)) = sqrt(0.05 / 3)
        XCTAssertEqual(aggregates["ast/accuracy_std"] ?? .nan, (0.05 / 3).squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(aggregates["ast/val_loss_std"], 0)
        XCTAssertEqual(aggregates["cnn_mlp/accuracy_mean"], 0.9)
        XCTAssertNil(aggregates["cnn_mlp/accuracy_std"], "no sample std of one fold")
        XCTAssertEqual(aggregates.count, 5 * 2 + 5)
    }
}
