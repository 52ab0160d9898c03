import Data
import Foundation

/// sweep.json, beside results.json: what a sweep's report shows that results.json does not hold
/// (the resolved configuration, the dataset, when and how long the sweep ran, and which worker ran
/// each attempt of each job). Snake-case keys, ISO 8601 times.
public struct SweepContext: Codable, Equatable, Sendable {
    public static let fileName = "sweep.json"

    /// The resolved configuration, as config.yaml holds it.
    public var configuration: String
    /// nil when not recorded (a folder from before sweep.json).
    public var dataset: DatasetSummary?
    /// Where the jobs ran: `local` (`spectrofold sweep --local`) or `cluster`.
    public var runner: String
    /// When the sweep started.
    public var started: Date?
    /// Seconds from the start to the end of its last job so far.
    public var wallSeconds: Double?
    /// Per job path (`JobKey.path`), its attempts in the order they started.
    public var attempts: [String: [AttemptSummary]]

    public init(configuration: String, dataset: DatasetSummary?, runner: String, started: Date?, wallSeconds: Double?,
                attempts: [String: [AttemptSummary]]) {
        (self.configuration, self.dataset, self.runner, self.started, self.wallSeconds, self.attempts)
            = (configuration, dataset, runner, started, wallSeconds, attempts)
    }

    /// Writes `directory/sweep.json`; returns its path.
    @discardableResult
    public func write(to directory: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        let path = (directory as NSString).appendingPathComponent(Self.fileName)
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
        return path
    }

    /// The context of the sweep folder `directory`: its sweep.json, or for a folder without one
    /// its config.yaml and nothing else.
    public static func load(fromSweepFolder directory: String) throws -> SweepContext {
        let path = (directory as NSString).appendingPathComponent(fileName)
        if FileManager.default.fileExists(atPath: path) {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(SweepContext.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        }
        let config = (try? String(contentsOfFile: (directory as NSString).appendingPathComponent("config.yaml"), encoding: .utf8)) ?? ""
        return SweepContext(configuration: config, dataset: nil, runner: "not recorded", started: nil, wallSeconds: nil, attempts: [:])
    }
}

/// One attempt at a job: the worker that ran it (`local` in a local sweep) and how it ended
/// (`succeeded`, `failed`, `expired`, `worker-lost`, `superseded`, `running`).
public struct AttemptSummary: Codable, Equatable, Sendable {
    public var worker: String
    public var outcome: String
    /// Why it did not succeed.
    public var reason: String?
    /// Wall seconds from its start to its end.
    public var seconds: Double?

    public init(worker: String, outcome: String, reason: String? = nil, seconds: Double? = nil) {
        (self.worker, self.outcome, self.reason, self.seconds) = (worker, outcome, reason, seconds)
    }
}

/// A feature pack as a report describes it: where it came from, its digest, how many files of
/// which classes it holds and which files were left out, with why.
public struct DatasetSummary: Codable, Equatable, Sendable {
    /// The manifest, class folder or pack the sweep was given.
    public var source: String
    /// SHA-256 (hex) identifying the pack: its content digest, or on a cluster its file's hash.
    public var digest: String
    /// Examples in the pack, one per file.
    public var files: Int
    /// Every class with its number of files, in the pack's class order.
    public var classes: [ClassCount]
    /// Distinct groups (speakers, recordings); equal to `files` without a group column.
    public var groups: Int
    /// Files of the source left out, each `origin: reason`.
    public var skipped: [String]
    /// Log-mel bins × frames of every example.
    public var melBins: Int
    public var frames: Int
    public var metadataColumns: [String]

    public struct ClassCount: Codable, Equatable, Sendable {
        public var name: String
        public var files: Int
    }

    public init(pack: FeaturePack, source: String, digest: String) {
        self.source = source
        self.digest = digest
        files = pack.count
        classes = pack.classes.enumerated().map { c in ClassCount(name: c.element, files: pack.labels.filter { $0 == c.offset }.count) }
        groups = Set(pack.groups).count
        skipped = pack.skipped
        (melBins, frames) = (pack.parameters.numMelBins, pack.parameters.frames)
        metadataColumns = pack.metadataColumns.map(\.name)
    }
}
