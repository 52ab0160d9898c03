import ArgumentParser
import Foundation
import Tracking

/// `spectrofold mlflow ...`: the MLflow outbox of a sweep.
struct MLflowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mlflow",
        abstract: "Work with a sweep's MLflow outbox.",
        subcommands: [Flush.self]
    )

    /// `spectrofold mlflow flush --state PATH`: delivers the tracking events a sweep recorded
    /// while MLflow was unreachable, to the server and experiment the sweep used.
    struct Flush: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deliver pending MLflow events and report what is left.",
            discussion: """
                Credentials come from MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD or \
                MLFLOW_TRACKING_TOKEN. Exits with status 1 while events are still pending.
                """
        )

        @Option(name: .long, help: ArgumentHelp(
            "The sweep's state directory, or its outbox file.", valueName: "PATH"))
        var state: String

        func run() throws {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: state, isDirectory: &isDirectory) else {
                throw ValidationError("--state \(state): no such file or directory")
            }
            let path = isDirectory.boolValue ? (state as NSString).appendingPathComponent(TrackingOutbox.defaultFileName) : state
            guard FileManager.default.fileExists(atPath: path) else {
                throw ValidationError("--state \(state): no MLflow outbox (\(TrackingOutbox.defaultFileName)) in this directory")
            }
            let outbox = try TrackingOutbox(path: path)
            guard let settings = try outbox.destination() else {
                print("\(path): nothing was ever recorded here; nothing to deliver")
                return
            }
            let credentials = try MLflowCredentials(environment: ProcessInfo.processInfo.environment)
            let tracker = try SweepTracker(outbox: outbox, settings: settings, credentials: credentials, deliverInBackground: false)
            let start = Date()
            let report = tracker.flush { delivered, pending in
                guard pending > 0 else { return }
                let rate = Double(delivered) / max(Date().timeIntervalSince(start), 1e-3)
                print("delivered \(delivered), \(pending) pending (\(Int(rate)) events/s)")
            }
            print("\(path) (experiment '\(settings.experiment)'): \(report)")
            if report.pending > 0 { throw ExitCode.failure }
        }
    }
}
