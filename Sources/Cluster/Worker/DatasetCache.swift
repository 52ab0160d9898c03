import Foundation

/// A worker's dataset cache: verified files named by their digest, and at most one download
/// in progress (`<digest>.partial`), written chunk by chunk and checked against the digest
/// before it joins the cache.
final class DatasetCache {
    let directory: DatasetDirectory
    private var download: (digest: String, handle: FileHandle, received: Set<Int>, chunkCount: Int)?

    init(path: String) throws { directory = try DatasetDirectory(path: path) }

    /// Digests of the verified datasets held.
    func cachedDigests() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { name in name.count == 64 && name.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) } }.sorted()
    }

    /// The path of dataset `digest` when it is cached.
    func path(of digest: String) -> String? {
        directory.size(of: digest) == nil ? nil : directory.file(digest)
    }

    /// Starts (or restarts) the download of `digest`, replacing any other partial download.
    func begin(_ digest: String, chunkCount: Int) throws {
        cancel()
        let partial = directory.file(digest) + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        guard FileManager.default.createFile(atPath: partial, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: partial])
        }
        download = (digest, try FileHandle(forWritingTo: URL(fileURLWithPath: partial)), [], chunkCount)
    }

    /// Writes one chunk of the current download. Returns true once every chunk has arrived.
    func write(_ chunk: DatasetChunk, chunkBytes: Int) throws -> Bool {
        guard var current = download, current.digest == chunk.digest, chunk.chunkCount == current.chunkCount else { return false }
        try current.handle.seek(toOffset: UInt64(chunk.chunk) * UInt64(chunkBytes))
        try current.handle.write(contentsOf: chunk.bytes)
        current.received.insert(chunk.chunk)
        download = current
        return current.received.count == current.chunkCount
    }

    /// Digest of the download in progress, if any.
    var downloading: String? { download?.digest }

    /// Ends the finished download: its bytes are written and closed, to be checked by
    /// `WrittenFile.install()` before they join the cache.
    func close() throws -> WrittenFile {
        guard let current = download else { throw CocoaError(.fileNoSuchFile) }
        download = nil
        try current.handle.close()
        return WrittenFile(digest: current.digest, path: directory.file(current.digest))
    }

    /// A download whose bytes are all written to `<path>.partial`, not yet checked.
    struct WrittenFile: Sendable {
        let digest: String
        /// Where it goes in the cache.
        let path: String

        /// Checks the bytes against the digest and moves them into the cache; returns the path.
        /// A mismatch deletes them and throws. Hashing a pack takes seconds: the worker calls it
        /// off its I/O thread, so heartbeats go on meanwhile.
        func install() throws -> String {
            let partial = path + ".partial"
            let actual = try DatasetDirectory.digest(ofFileAt: partial)
            guard actual == digest else {
                try? FileManager.default.removeItem(atPath: partial)
                throw DatasetMismatch(expected: digest, actual: actual)
            }
            try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.moveItem(atPath: partial, toPath: path)
            return path
        }
    }

    /// Abandons the download in progress.
    func cancel() {
        guard let current = download else { return }
        try? current.handle.close()
        try? FileManager.default.removeItem(atPath: directory.file(current.digest) + ".partial")
        download = nil
    }
}

/// A downloaded dataset whose bytes do not hash to the digest it was fetched by.
struct DatasetMismatch: Error, CustomStringConvertible {
    let expected: String
    let actual: String
    var description: String { "dataset \(expected) arrived with digest \(actual)" }
}
