import Data
import Foundation

/// The datasets a coordinator serves: files in one directory, each named by the SHA-256 hex
/// digest of its bytes. Workers fetch them in chunks of `chunkBytes` (the last may be shorter).
public struct DatasetDirectory: Sendable {
    public let path: String

    public init(path: String) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func file(_ digest: String) -> String { (path as NSString).appendingPathComponent(digest) }

    /// The size in bytes of the dataset `digest`, nil when it is not here.
    public func size(of digest: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: file(digest))[.size] as? NSNumber)?.intValue
    }

    /// Copies the file at `source` in under its digest (a no-op when already present); returns the digest.
    @discardableResult
    public func add(fileAt source: String) throws -> String {
        let digest = try Self.digest(ofFileAt: source)
        if size(of: digest) == nil {
            let partial = file(digest) + ".partial"
            try? FileManager.default.removeItem(atPath: partial)
            try FileManager.default.copyItem(atPath: source, toPath: partial)
            try FileManager.default.moveItem(atPath: partial, toPath: file(digest))
        }
        return digest
    }

    /// The number of chunks of a `size`-byte dataset (no overflow for any size an ASSIGN may claim).
    public static func chunkCount(size: Int, chunkBytes: Int) -> Int { size / chunkBytes + (size % chunkBytes == 0 ? 0 : 1) }

    /// Chunk `index` of dataset `digest`.
    func chunk(_ digest: String, index: Int, chunkBytes: Int) throws -> [UInt8] {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: file(digest)))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(index) * UInt64(chunkBytes))
        return [UInt8](try handle.read(upToCount: chunkBytes) ?? Data())
    }

    /// The SHA-256 hex digest of a file, read in 1 MiB pieces.
    public static func digest(ofFileAt path: String) throws -> String {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var hash = SHA256()
        while let piece = try handle.read(upToCount: 1 << 20), !piece.isEmpty { piece.withUnsafeBytes { hash.update($0) } }
        return hash.hexDigest
    }
}
