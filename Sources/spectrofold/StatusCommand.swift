import ArgumentParser
import Cluster
import Foundation
import RunRecords

/// `spectrofold status`: the coordinator's workers and sweeps, once, refreshed (`--watch`), or
/// as JSON for scripts (`--json`).
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the coordinator's workers and sweep progress with an ETA.")

    @OptionGroup var cluster: ClusterOptions
    @Option(help: "Only this sweep.") var sweep: String?
    @Flag(help: "Refresh every 2 seconds until interrupted.") var watch = false
    @Flag(help: "Print the report as JSON (the same fields as the text).") var json = false

    func run() throws {
        let client = try cluster.client(timeout: 5)
        let clearsScreen = watch && isatty(STDOUT_FILENO) != 0
        repeat {
            do {
                let report = try client.status(sweep: sweep)
                if clearsScreen { print("\u{1B}[H\u{1B}[2J", terminator: "") }
                print(json ? try Self.json(report) : StatusText.render(report))
            } catch let error as CoordinatorUnreachable where watch {
                print("\(error); trying again")  // --watch rides out a coordinator restart.
            }
            if watch { Thread.sleep(forTimeInterval: 2) }
        } while watch
    }

    private static func json(_ report: StatusReport) throws -> String {
        String(decoding: try JSONCoding.encoder([.prettyPrinted, .sortedKeys], keys: .convertToSnakeCase).encode(report), as: UTF8.self)
    }
}

/// The status report as text: a line per worker, then per sweep its counts, ETA and running jobs.
enum StatusText {
    static func render(_ report: StatusReport) -> String {
        var lines = ["coordinator \(report.coordinator): \(report.workers.filter { $0.state == "alive" }.count) of \(report.workers.count) workers alive"]
        for w in report.workers {
            var line = "  \(w.id) (\(w.host), \(w.cores) cores, \(w.version)): \(w.state), last heard \(String(format: "%.1f", w.silentSeconds)) s ago"
            if let job = w.job { line += ", \(job) attempt \(w.attempt ?? 0)" + (w.epoch.map { ", epoch \($0 + 1)" } ?? "") }
            if let rate = w.samplesPerSecond { line += String(format: ", %.0f examples/s", rate) }
            if let blas = w.blas { line += ", BLAS \(blas)" }
            lines.append(line)
        }
        for s in report.sweeps {
            let eta = s.finished ? "finished" : s.etaSeconds.map { "ETA \(clock($0))" } ?? "ETA unknown"
            lines.append("sweep \(s.id) (\(s.name)): \(s.done + s.failed)/\(s.total) jobs, \(s.done) done, \(s.failed) failed, "
                         + "\(s.leased) running, \(s.queued) queued; \(s.failedAttempts) attempts lost; elapsed \(clock(s.elapsedSeconds)); \(eta)")
            for job in s.running {
                lines.append("  \(job.job) attempt \(job.attempt) on \(job.worker): epoch \(job.epochsDone)/\(job.epochs.map(String.init) ?? "?"), "
                             + "\(clock(job.elapsedSeconds))")
            }
            for failure in s.failures { lines.append("  FAILED \(failure.job): \(failure.reason)") }
            if let run = s.mlflowRun { lines.append("  MLflow: \(run)") }
        }
        return lines.joined(separator: "\n")
    }

    /// h:mm:ss or m:ss.
    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
