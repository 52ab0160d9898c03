import Foundation

/// Field rules beyond JSON types, checked after a header decodes. Each throws the field's name
/// and what is wrong with it (the codec adds the command).
enum HeaderRule {
    struct Violation: Error {
        let field: String
        let reason: String
    }

    /// Longest accepted job id, worker name, host, version or reason, in bytes.
    static let maxTextBytes = 1024

    static func text(_ value: String, _ field: String) throws {
        guard !value.isEmpty else { throw Violation(field: field, reason: "is empty") }
        guard value.utf8.count <= maxTextBytes else {
            throw Violation(field: field, reason: "is \(value.utf8.count) bytes long, over \(maxTextBytes)")
        }
    }

    /// A sweep id (`SubmitReceipt.isSweepID`).
    static func sweepID(_ value: String, _ field: String) throws {
        try text(value, field)
        guard SubmitReceipt.isSweepID(value) else {
            throw Violation(field: field, reason: "'\(value)' is not a sweep id (ASCII letters, digits, '.', '_' and '-', not starting with '.')")
        }
    }

    static func atLeast(_ value: Int, _ minimum: Int, _ field: String) throws {
        guard value >= minimum else { throw Violation(field: field, reason: "is \(value), must be at least \(minimum)") }
    }

    /// A content digest: 16...128 lowercase hex digits.
    static func digest(_ value: String, _ field: String) throws {
        let hex = value.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
        guard hex, (16...128).contains(value.utf8.count) else {
            throw Violation(field: field, reason: "is not a digest (16 to 128 lowercase hex digits): \(ProtocolError.printable(Array(value.utf8)))")
        }
    }

    static func jobAttempt(_ job: String, _ attempt: Int) throws {
        try text(job, "job")
        try atLeast(attempt, 1, "attempt")
    }
}

/// Headers of the messages that carry payload frames (their payloads are not JSON fields).
struct ResultHeader: Codable {
    var job: String
    var attempt: Int
    var summaryBytes: Int
    var stateDictBytes: Int
}

struct AssignmentHeader: Codable {
    var job: String
    var attempt: Int
    var dataset: String
    var datasetBytes: Int
    var chunkCount: Int
    /// Absent from a coordinator of an earlier version (no files beside the dataset).
    var files: [StoredFile]?
}

struct ChunkHeader: Codable {
    var digest: String
    var chunk: Int
    var chunkCount: Int
}

/// The header of BYE and of the coordinator's HEARTBEAT: `{}`.
struct EmptyHeader: Codable {}

extension WorkerHello {
    func validate() throws {
        try HeaderRule.text(worker, "worker")
        try HeaderRule.text(host, "host")
        try HeaderRule.atLeast(cores, 1, "cores")
        try HeaderRule.text(version, "version")
        if let blas { try HeaderRule.text(blas, "blas") }
        for (index, digest) in datasets.enumerated() { try HeaderRule.digest(digest, "datasets.\(index)") }
    }
}

extension WorkerHeartbeat {
    func validate() throws {
        switch (job, attempt) {
        case (nil, nil): break
        case (let job?, let attempt?): try HeaderRule.jobAttempt(job, attempt)
        case (nil, _): throw HeaderRule.Violation(field: "job", reason: "is missing while 'attempt' is given")
        case (_, nil): throw HeaderRule.Violation(field: "attempt", reason: "is missing while 'job' is given")
        }
        if let epoch { try HeaderRule.atLeast(epoch, 0, "epoch") }
    }
}

extension ChunkRequest {
    func validate() throws {
        try HeaderRule.digest(digest, "digest")
        try HeaderRule.atLeast(chunk, 0, "chunk")
    }
}

extension JobProgress {
    func validate() throws {
        try HeaderRule.jobAttempt(job, attempt)
        try HeaderRule.atLeast(epochs, 1, "epochs")
        try HeaderRule.atLeast(epoch, 0, "record.epoch")
        guard epoch < epochs else { throw HeaderRule.Violation(field: "record.epoch", reason: "is \(epoch), not below epochs (\(epochs))") }
        guard samplesPerSecond.isFinite, samplesPerSecond >= 0 else {
            throw HeaderRule.Violation(field: "samplesPerSecond", reason: "is \(samplesPerSecond), must be a finite number >= 0")
        }
    }
}

extension ResultHeader {
    func validate() throws {
        try HeaderRule.jobAttempt(job, attempt)
        try HeaderRule.atLeast(summaryBytes, 0, "summaryBytes")
        try HeaderRule.atLeast(stateDictBytes, 0, "stateDictBytes")
    }
}

extension JobFailure {
    func validate() throws {
        try HeaderRule.jobAttempt(job, attempt)
        try HeaderRule.text(reason, "reason")
    }
}

extension Welcome {
    func validate() throws {
        try HeaderRule.text(worker, "worker")
        try HeaderRule.atLeast(heartbeatMilliseconds, 1, "heartbeatMilliseconds")
        try HeaderRule.atLeast(livenessIntervals, 1, "livenessIntervals")
        try HeaderRule.atLeast(chunkBytes, 1, "chunkBytes")
        try HeaderRule.atLeast(maxPayloadBytes, chunkBytes, "maxPayloadBytes")
    }
}

extension AssignmentHeader {
    func validate() throws {
        try HeaderRule.jobAttempt(job, attempt)
        try HeaderRule.digest(dataset, "dataset")
        try HeaderRule.atLeast(datasetBytes, 0, "datasetBytes")
        try HeaderRule.atLeast(chunkCount, 0, "chunkCount")
        for file in files ?? [] {
            try HeaderRule.digest(file.digest, "files.digest")
            try HeaderRule.atLeast(file.bytes, 1, "files.bytes")
        }
    }
}

extension ChunkHeader {
    func validate() throws {
        try HeaderRule.digest(digest, "digest")
        try HeaderRule.atLeast(chunkCount, 1, "chunkCount")
        try HeaderRule.atLeast(chunk, 0, "chunk")
        guard chunk < chunkCount else { throw HeaderRule.Violation(field: "chunk", reason: "is \(chunk), not below chunkCount (\(chunkCount))") }
    }
}

extension JobAttempt {
    func validate() throws { try HeaderRule.jobAttempt(job, attempt) }
}

extension Cancellation {
    func validate() throws {
        try HeaderRule.jobAttempt(job, attempt)
        try HeaderRule.text(reason, "reason")
    }
}

extension Disconnect {
    func validate() throws { try HeaderRule.text(reason, "reason") }
}
