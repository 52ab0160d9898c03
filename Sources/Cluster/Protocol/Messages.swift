import RunRecords

/// The protocol's messages. On the wire every message is: the version tag
/// (`ProtocolCodec.version`), the command (ASCII, e.g. `HELLO`), a small JSON header (the fields
/// below, camelCase keys), then the command's binary payload frames, if any. A ROUTER adds the
/// peer's routing id in front; that frame is not part of the message.

/// Worker → coordinator.
public enum WorkerMessage: Equatable, Sendable {
    /// First message on every (re)connection.
    case hello(WorkerHello)
    /// Every heartbeat interval; names the job it is working on, which renews that job's lease.
    case heartbeat(WorkerHeartbeat)
    /// Asks for one chunk of a dataset.
    case fetch(ChunkRequest)
    /// One finished epoch.
    case progress(JobProgress)
    /// A finished job; resent until ACKed.
    case result(JobResult)
    /// A job that could not finish; resent until ACKed.
    case failed(JobFailure)
    /// The worker is leaving.
    case bye
}

/// Coordinator → worker.
public enum CoordinatorMessage: Equatable, Sendable {
    /// Answer to HELLO: the liveness and transfer parameters the worker must use.
    case welcome(Welcome)
    /// Every heartbeat interval, to every live worker.
    case heartbeat
    /// A job lease: train this spec on this dataset.
    case assign(Assignment)
    /// One chunk of a dataset, answering FETCH.
    case chunk(DatasetChunk)
    /// RESULT or FAILED for this attempt is recorded; the worker may forget it.
    case ack(JobAttempt)
    /// Stop working on this attempt (the lease is gone or the job is done elsewhere).
    case cancel(Cancellation)
    /// Go away (e.g. shutting down, or an unknown peer); the worker reconnects later.
    case disconnect(Disconnect)
}

/// One attempt at one job: `job` is the ledger's job id, `attempt` counts from 1.
public struct JobAttempt: Codable, Hashable, Sendable {
    public var job: String
    public var attempt: Int
    public init(job: String, attempt: Int) { self.job = job; self.attempt = attempt }
}

public struct WorkerHello: Codable, Equatable, Sendable {
    /// A stable name for the worker (survives reconnects), e.g. "host-1".
    public var worker: String
    public var host: String
    public var cores: Int
    /// SpectroFold's version on the worker.
    public var version: String
    /// Digests of the datasets in the worker's cache.
    public var datasets: [String]
    /// The BLAS kernel it trains with, and a warning when that is below what its CPU supports
    /// (`BLASKernel.summary`); absent from older workers.
    public var blas: String?
    public init(worker: String, host: String, cores: Int, version: String, datasets: [String], blas: String? = nil) {
        self.worker = worker; self.host = host; self.cores = cores; self.version = version; self.datasets = datasets
        self.blas = blas
    }
}

public struct WorkerHeartbeat: Codable, Equatable, Sendable {
    /// The attempt being worked on, nil when idle.
    public var job: String?
    public var attempt: Int?
    /// The epoch in progress (0-based), when known.
    public var epoch: Int?
    public init(job: String? = nil, attempt: Int? = nil, epoch: Int? = nil) {
        self.job = job; self.attempt = attempt; self.epoch = epoch
    }
}

public struct ChunkRequest: Codable, Equatable, Sendable {
    /// The dataset's content digest (lowercase hex).
    public var digest: String
    /// Chunk index, 0-based.
    public var chunk: Int
    public init(digest: String, chunk: Int) { self.digest = digest; self.chunk = chunk }
}

public struct JobProgress: Codable, Equatable, Sendable {
    public var job: String
    public var attempt: Int
    /// The planned number of epochs.
    public var epochs: Int
    /// Training throughput in samples per second.
    public var samplesPerSecond: Double
    /// The epoch just finished, as the trainer recorded it.
    public var record: EpochRecord
    public init(job: String, attempt: Int, epochs: Int, samplesPerSecond: Double, record: EpochRecord) {
        self.job = job; self.attempt = attempt; self.epochs = epochs
        self.samplesPerSecond = samplesPerSecond; self.record = record
    }

    /// The epoch just finished, 0-based.
    public var epoch: Int { record.epoch }
}

/// Header: `job`, `attempt`, `summaryBytes`, `stateDictBytes`; payload frames: the summary (a
/// JSON object, UTF-8) and the state dict (a safetensors file).
public struct JobResult: Equatable, Sendable {
    public var job: String
    public var attempt: Int
    public var summary: [UInt8]
    public var stateDict: [UInt8]
    public init(job: String, attempt: Int, summary: [UInt8], stateDict: [UInt8]) {
        self.job = job; self.attempt = attempt; self.summary = summary; self.stateDict = stateDict
    }
}

public struct JobFailure: Codable, Equatable, Sendable {
    public var job: String
    public var attempt: Int
    public var reason: String
    /// A retry cannot change the outcome (the job's configuration or data is at fault): the job
    /// fails for good at once instead of using up its attempts.
    public var permanent: Bool

    public init(job: String, attempt: Int, reason: String, permanent: Bool = false) {
        self.job = job; self.attempt = attempt; self.reason = reason; self.permanent = permanent
    }

    /// `permanent` may be absent (a worker of an earlier version): then the failure is retried.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        job = try container.decode(String.self, forKey: .job)
        attempt = try container.decode(Int.self, forKey: .attempt)
        reason = try container.decode(String.self, forKey: .reason)
        permanent = try container.decodeIfPresent(Bool.self, forKey: .permanent) ?? false
    }
}

public struct Welcome: Codable, Equatable, Sendable {
    /// The worker name from HELLO, echoed.
    public var worker: String
    public var heartbeatMilliseconds: Int
    /// A peer silent for this many heartbeat intervals is dead.
    public var livenessIntervals: Int
    /// Dataset chunk size in bytes (the last chunk may be shorter).
    public var chunkBytes: Int
    /// The largest payload frame the coordinator accepts; a larger one would cost the worker its
    /// connection, so a result over it is reported as FAILED instead.
    public var maxPayloadBytes: Int
    public init(worker: String, heartbeatMilliseconds: Int, livenessIntervals: Int, chunkBytes: Int, maxPayloadBytes: Int) {
        self.worker = worker; self.heartbeatMilliseconds = heartbeatMilliseconds
        self.livenessIntervals = livenessIntervals; self.chunkBytes = chunkBytes; self.maxPayloadBytes = maxPayloadBytes
    }
}

/// Header: `job`, `attempt`, `dataset` (digest), `datasetBytes`, `chunkCount`, `files` (the
/// other files the job needs, e.g. its model's checkpoint); payload frame: the job's spec (a JSON
/// object, UTF-8).
public struct Assignment: Equatable, Sendable {
    public var job: String
    public var attempt: Int
    public var dataset: String
    public var datasetBytes: Int
    public var chunkCount: Int
    public var files: [StoredFile]
    public var spec: [UInt8]
    public init(job: String, attempt: Int, dataset: String, datasetBytes: Int, chunkCount: Int, files: [StoredFile] = [], spec: [UInt8]) {
        self.job = job; self.attempt = attempt; self.dataset = dataset
        self.datasetBytes = datasetBytes; self.chunkCount = chunkCount; self.files = files; self.spec = spec
    }

    /// Every file the job needs, the dataset first.
    public var inputs: [StoredFile] { [StoredFile(digest: dataset, bytes: datasetBytes)] + files }
}

/// A file the coordinator serves by content (a feature pack or a checkpoint): fetched with
/// FETCH in chunks of WELCOME's `chunkBytes`, cached by workers under its digest.
public struct StoredFile: Codable, Hashable, Sendable {
    /// SHA-256 of the bytes, 64 lowercase hex digits.
    public var digest: String
    public var bytes: Int
    public init(digest: String, bytes: Int) { self.digest = digest; self.bytes = bytes }
}

/// Header: `digest`, `chunk`, `chunkCount`; payload frame: the chunk's bytes.
public struct DatasetChunk: Equatable, Sendable {
    public var digest: String
    public var chunk: Int
    public var chunkCount: Int
    public var bytes: [UInt8]
    public init(digest: String, chunk: Int, chunkCount: Int, bytes: [UInt8]) {
        self.digest = digest; self.chunk = chunk; self.chunkCount = chunkCount; self.bytes = bytes
    }
}

public struct Cancellation: Codable, Equatable, Sendable {
    public var job: String
    public var attempt: Int
    public var reason: String
    public init(job: String, attempt: Int, reason: String) { self.job = job; self.attempt = attempt; self.reason = reason }
}

public struct Disconnect: Codable, Equatable, Sendable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
}
