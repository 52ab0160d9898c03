import ArgumentParser
import Cluster
import SweepRecording
import Foundation

/// `spectrofold-coordinator`: holds the ledger of sweeps and hands model × fold jobs to workers.
@main
struct CoordinatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spectrofold-coordinator",
        abstract: "Run the SpectroFold coordinator: accept sweeps, lease jobs to workers, record results.",
        discussion: """
        The state directory holds the ledger (ledger.sqlite), the datasets (datasets/), each sweep's \
        results (sweeps/<id>/) and the MLflow outboxes (mlflow/). A coordinator started again on the \
        same directory resumes every unfinished sweep; workers reconnect on their own.
        """)

    @Option(help: ArgumentHelp("Where the ROUTER socket binds (loopback unless told otherwise).", valueName: "tcp://ADDR:PORT"))
    var bind = "tcp://127.0.0.1:5570"
    @Option(help: ArgumentHelp("State directory (ledger, datasets, results).", valueName: "DIR")) var state: String
    @Option(help: ArgumentHelp("MLflow tracking URI (else MLFLOW_TRACKING_URI; without either, no MLflow runs).", valueName: "URI"))
    var mlflow: String?
    @Option(help: ArgumentHelp("The heartbeat log, JSON lines (default DIR/heartbeats.jsonl).", valueName: "FILE")) var heartbeatLog: String?
    @Option(help: ArgumentHelp("The coordinator's CURVE secret key file (enables encryption; needs --allow).", valueName: "FILE"))
    var curveSecret: String?
    @Option(help: ArgumentHelp("Public keys admitted (workers and clients), one per line.", valueName: "FILE")) var allow: String?
    @Option(help: "Attempts a job gets before it fails for good.") var maxAttempts = 3
    @Option(help: "Seconds a lease lasts without a renewing heartbeat.") var leaseSeconds = 10.0
    @Option(help: "Seconds an attempt may go without finishing an epoch before its job is requeued.") var progressTimeout = 1800.0
    @Option(help: "The largest accepted message payload in MiB; a peer sending more is disconnected.") var maxPayloadMib = 512

    func validate() throws {
        guard (curveSecret == nil) == (allow == nil) else {
            throw ValidationError("--curve-secret and --allow go together: an encrypted coordinator needs its key and the keys it admits")
        }
        guard maxPayloadMib >= 2 else { throw ValidationError("--max-payload-mib must be at least 2 (dataset chunks are 1 MiB)") }
        guard progressTimeout > 0 else { throw ValidationError("--progress-timeout must be positive") }
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be at least 1") }
        guard leaseSeconds >= 3 else { throw ValidationError("--lease-seconds must be at least 3 (the liveness limit)") }
    }

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        func path(_ name: String) -> String { (state as NSString).appendingPathComponent(name) }
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        var configuration = CoordinatorConfiguration(endpoint: bind)
        configuration.maxAttempts = maxAttempts
        configuration.leaseSeconds = leaseSeconds
        configuration.maxPayloadBytes = maxPayloadMib << 20
        configuration.progressTimeout = progressTimeout
        if let curveSecret, let allow {
            configuration.security = (CurveServerSecurity(keyPair: try CurveKeyPair(secretKeyFile: curveSecret)),
                                      try CurveAllowList(contentsOfFile: allow))
        }
        let ledger = try Ledger(path: path("ledger.sqlite"))
        let trackingURI = mlflow ?? ProcessInfo.processInfo.environment["MLFLOW_TRACKING_URI"].flatMap { $0.isEmpty ? nil : $0 }
        let recorder = try SweepRecorder(stateDirectory: state, ledger: ledger, trackingURI: trackingURI, log: ServiceSupport.log)
        let coordinator = try Coordinator(configuration: configuration, ledger: ledger, datasets: try DatasetDirectory(path: path("datasets")),
                                          heartbeatLog: try HeartbeatLog(path: heartbeatLog ?? path("heartbeats.jsonl")),
                                          book: recorder, log: ServiceSupport.log)
        try coordinator.start()
        ServiceSupport.log("coordinator: state in \(state); MLflow \(trackingURI ?? "off"); "
                           + (configuration.security == nil ? "no encryption (CURVE off)" : "CURVE on, allow-list \(allow!)"))
        let signal = ServiceSupport.waitForTermination()
        ServiceSupport.log("coordinator: \(signal); stopping")
        coordinator.stop()
        recorder.close()
    }
}
