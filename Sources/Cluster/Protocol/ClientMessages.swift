/// Messages between clients (`spectrofold submit` and `spectrofold status`, each a DEALER with
/// a routing id of its own) and the coordinator. Every request gets exactly one reply; a request
/// the coordinator cannot carry out gets REFUSED with the reason.

/// Client → coordinator.
public enum ClientRequest: Equatable, Sendable {
    /// A sweep plan (`SweepPlan` JSON) over a dataset named by its digest.
    case submit(Submission)
    /// One chunk of a dataset the coordinator said it lacks (header as CHUNK's).
    case upload(DatasetChunk)
    /// Asks for the workers and the sweeps (one, or all).
    case status(StatusQuery)
    /// Queues the refit of one model of an ended sweep on all its data (answered SUBMITTED).
    case refit(RefitRequest)
}

/// Coordinator → client.
public enum ClientReply: Equatable, Sendable {
    case submitted(SubmitReceipt)
    case uploaded(UploadReceipt)
    /// The status (`StatusReport` JSON, the payload).
    case report([UInt8])
    case refused(Refusal)
}

/// Header: `sweep`, `dataset`, `datasetBytes`; payload frame: the plan (a JSON object).
public struct Submission: Equatable, Sendable {
    public var sweep: String
    public var dataset: String
    public var datasetBytes: Int
    public var plan: [UInt8]
    public init(sweep: String, dataset: String, datasetBytes: Int, plan: [UInt8]) {
        self.sweep = sweep; self.dataset = dataset; self.datasetBytes = datasetBytes; self.plan = plan
    }
}

public struct SubmitReceipt: Codable, Equatable, Sendable {
    /// Whether `id` can be a sweep's id, which names a folder on the coordinator: ASCII letters,
    /// digits, `.`, `_` and `-`, not starting with `.` (so never `..` or a path).
    public static func isSweepID(_ id: String) -> Bool {
        !id.isEmpty && !id.hasPrefix(".") && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }

    public var sweep: String
    /// False when the sweep was already there (a repeated submit).
    public var created: Bool
    /// Digests of the files the sweep needs (its dataset, its checkpoints) that the coordinator
    /// does not hold: upload them, then submit again. Empty when the sweep was accepted.
    public var missing: [String]
    /// The chunk size uploads must use, in bytes.
    public var chunkBytes: Int
    public init(sweep: String, created: Bool, missing: [String], chunkBytes: Int) {
        self.sweep = sweep; self.created = created; self.missing = missing; self.chunkBytes = chunkBytes
    }
}

public struct UploadReceipt: Codable, Equatable, Sendable {
    public var digest: String
    public var chunk: Int
    /// True once every chunk arrived and the bytes hash to `digest`.
    public var complete: Bool
    public init(digest: String, chunk: Int, complete: Bool) { self.digest = digest; self.chunk = chunk; self.complete = complete }
}

public struct StatusQuery: Codable, Equatable, Sendable {
    /// One sweep, or nil for all.
    public var sweep: String?
    public init(sweep: String? = nil) { self.sweep = sweep }
}

/// Header of REFIT: the sweep and the model to train once more on all the sweep's data.
public struct RefitRequest: Codable, Equatable, Sendable {
    public var sweep: String
    public var model: String
    public init(sweep: String, model: String) { self.sweep = sweep; self.model = model }
}

public struct Refusal: Codable, Equatable, Sendable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
}

struct SubmissionHeader: Codable {
    var sweep: String
    var dataset: String
    var datasetBytes: Int
}

extension SubmissionHeader {
    func validate() throws {
        try HeaderRule.sweepID(sweep, "sweep")
        try HeaderRule.digest(dataset, "dataset")
        try HeaderRule.atLeast(datasetBytes, 1, "datasetBytes")
    }
}

extension SubmitReceipt {
    func validate() throws {
        try HeaderRule.text(sweep, "sweep")
        for digest in missing { try HeaderRule.digest(digest, "missing") }
        try HeaderRule.atLeast(chunkBytes, 1, "chunkBytes")
    }
}

extension UploadReceipt {
    func validate() throws {
        try HeaderRule.digest(digest, "digest")
        try HeaderRule.atLeast(chunk, 0, "chunk")
    }
}

extension RefitRequest {
    func validate() throws {
        try HeaderRule.sweepID(sweep, "sweep")
        try HeaderRule.text(model, "model")
    }
}

extension StatusQuery {
    func validate() throws { if let sweep { try HeaderRule.text(sweep, "sweep") } }
}

extension Refusal {
    func validate() throws { try HeaderRule.text(reason, "reason") }
}
