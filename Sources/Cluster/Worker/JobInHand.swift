import Foundation

/// The attempt a worker holds, from its ASSIGN until its executor returns (or, while its files
/// download, until it is cancelled): at most one at a time.
struct JobInHand {
    let assignment: Assignment
    let cancelled = CancellationFlag()
    var stage: Stage

    enum Stage {
        /// Fetching the files the job lacks, one after another; `next` is the next chunk of the
        /// first to request.
        case downloading(missing: [StoredFile], next: Int)
        /// The first of `missing` arrived whole; its digest is being checked on a thread of its own.
        /// The attempt stays in hand until that returns, even when cancelled.
        case verifying(missing: [StoredFile])
        /// On the work thread; `epoch` is the last epoch it reported (0-based; nil before the first).
        case running(epoch: Int?)
    }

    var attempt: JobAttempt { JobAttempt(job: assignment.job, attempt: assignment.attempt) }

    var isDownloading: Bool {
        if case .downloading = stage { return true }
        return false
    }

    var epoch: Int? {
        if case .running(let epoch) = stage { return epoch }
        return nil
    }
}

/// A flag the I/O thread sets and the work thread reads.
final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}
