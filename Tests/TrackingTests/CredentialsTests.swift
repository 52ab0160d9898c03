import Foundation
import TestSupport
import Tracking
import XCTest

/// A real MLflow server with its basic-auth app (`mlflow server --app-name basic-auth`, started
/// once for the class): right credentials pass the preflight check, wrong ones are a clear error
/// before any training, and events recorded with wrong ones wait in the outbox.
final class CredentialsTests: XCTestCase {
    private static var started: Result<MLflowServer, Error>?
    private static let admin = (username: "admin", password: "Correct-horse-9")
    private var uri = ""
    private var right: MLflowCredentials { .basic(username: Self.admin.username, password: Self.admin.password) }

    override class func setUp() {
        super.setUp()
        started = MLflowServer.startInTemporaryDirectory(basicAuth: admin)
    }

    override class func tearDown() {
        (try? started?.get())?.stopAndRemoveStore()
        super.tearDown()
    }

    override func setUpWithError() throws {
        uri = try Self.started!.get().uri
    }

    func testRightCredentialsPassAndCreateTheExperiment() throws {
        let experiment = try TrackingPreflight.check(TrackingSettings(uri: uri, experiment: "preflight"), credentials: right)
        XCTAssertEqual(experiment.name, "preflight")
        XCTAssertTrue(experiment.artifactLocation.hasPrefix("mlflow-artifacts:"), experiment.artifactLocation)
        let again = try TrackingPreflight.check(TrackingSettings(uri: uri, experiment: "preflight"), credentials: right)
        XCTAssertEqual(again.experimentId, experiment.experimentId)
    }

    func testWrongCredentialsAreAClearErrorNamingURIAndStatus() {
        let wrong: [MLflowCredentials] = [.none, .basic(username: "admin", password: "wrong"), .bearer(token: "not-a-token")]
        for credentials in wrong {
            let settings = TrackingSettings(uri: uri, experiment: "preflight", uriSource: "--mlflow")
            XCTAssertThrowsError(try TrackingPreflight.check(settings, credentials: credentials), "\(credentials)") {
                let text = "\($0)"
                XCTAssertTrue(text.contains("MLflow at \(uri) rejected the credentials (GET /api/2.0/mlflow/experiments/get-by-name)"), text)
                XCTAssertTrue(text.contains("HTTP 401 Unauthorized: the server demands Basic authentication realm \"mlflow\""), text)
                XCTAssertTrue(text.contains("MLFLOW_TRACKING_PASSWORD"), text)
                XCTAssertTrue(text.contains("URI from --mlflow"), text)
            }
        }
    }

    func testEventsRecordedWithWrongCredentialsWaitAndArriveWithRightOnes() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("outbox.sqlite")
        let settings = TrackingSettings(uri: uri, experiment: "late-credentials")
        do {
            let tracker = try SweepTracker(outbox: try TrackingOutbox(path: path), settings: settings,
                                           credentials: .basic(username: "admin", password: "wrong"), deliverInBackground: false)
            try tracker.sweepStarted(SweepDescription(sweepId: "s1", name: "late", params: [("trainer.epochs", "3")]))
            let report = tracker.flush()
            XCTAssertEqual(report.pending, 2, "\(report)")
            XCTAssertTrue(report.error?.contains("HTTP 401") == true, "\(report)")
            XCTAssertEqual(report.rejected, [])
        }
        let tracker = try SweepTracker(outbox: try TrackingOutbox(path: path), settings: settings, credentials: right, deliverInBackground: false)
        let report = tracker.flush()
        XCTAssertEqual(report.pending, 0, "\(report)")
        XCTAssertEqual(report.delivered, 2)

        let client = try MLflowClient(uri: uri, credentials: right)
        let experiment = try XCTUnwrap(client.experiment(named: "late-credentials"))
        let runs = try client.searchRuns(experimentIds: [experiment.experimentId], filter: "tags.sweep_id = 's1'")
        XCTAssertEqual(runs.map { $0.tag("mlflow.runName") }, ["late"])
    }
}
