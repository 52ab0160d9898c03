import CZeroMQ
import Foundation

/// A CURVE key pair in Z85 (40 printable characters per 32-byte key), as libzmq takes them.
///
/// Files: `PREFIX.pub` holds the public key, `PREFIX.key` the secret key (mode 0600); each is the
/// key on one line, and lines starting with `#` are comments. The public key is derived from
/// the secret one, so a worker needs only its `.key` file.
public struct CurveKeyPair: Equatable, Sendable {
    public let publicKey: String
    public let secretKey: String

    /// A fresh random key pair (`zmq_curve_keypair`).
    public static func generate() throws -> CurveKeyPair {
        var publicKey = [CChar](repeating: 0, count: 41)
        var secretKey = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&publicKey, &secretKey) == 0 else { throw ZMQError("zmq_curve_keypair") }
        return CurveKeyPair(publicKey: String(cString: publicKey), secretKey: String(cString: secretKey))
    }

    private init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// The pair of `secretKey` (`zmq_curve_public`); throws when it is not a Z85 key.
    public init(secretKey: String) throws {
        guard Z85Key.isValid(secretKey) else { throw ZMQError("zmq_curve_public", message: "not a 40-character Z85 key") }
        var publicKey = [CChar](repeating: 0, count: 41)
        guard zmq_curve_public(&publicKey, secretKey) == 0 else { throw ZMQError("zmq_curve_public") }
        self.init(publicKey: String(cString: publicKey), secretKey: secretKey)
    }

    /// Reads a secret key file (`PREFIX.key`) and derives the public key.
    public init(secretKeyFile path: String) throws {
        let key = try CurveKeyFile.readSingleKey(path)
        try self.init(secretKey: key)
    }

    /// Writes `prefix.pub` (mode 0644) and `prefix.key` (mode 0600). Refuses to overwrite either
    /// file, so an existing identity is never lost by accident. Returns both paths.
    @discardableResult
    public func write(prefix: String) throws -> (publicKeyFile: String, secretKeyFile: String) {
        let files = (publicKeyFile: prefix + ".pub", secretKeyFile: prefix + ".key")
        for path in [files.publicKeyFile, files.secretKeyFile] where FileManager.default.fileExists(atPath: path) {
            throw CurveKeyError(path: path, line: nil, message: "already exists; remove it first to make a new key")
        }
        try CurveKeyFile.create(files.secretKeyFile, mode: 0o600,
                                text: "# SpectroFold CURVE secret key: keep private\n\(secretKey)\n")
        try CurveKeyFile.create(files.publicKeyFile, mode: 0o644, text: "\(publicKey)\n")
        return files
    }
}

/// A bad key file: the file, the line when one is at fault (1-based), and what is wrong.
public struct CurveKeyError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let line: Int?
    public let message: String

    public var description: String { "\(path)\(line.map { ":\($0)" } ?? ""): \(message)" }
}

/// Z85-encoded 32-byte keys.
enum Z85Key {
    static let alphabet = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)

    static func isValid(_ text: String) -> Bool {
        text.utf8.count == 40 && text.utf8.allSatisfy(alphabet.contains)
    }

    /// The Z85 text of 32 raw key bytes (as a ZAP request carries them).
    static func encode(_ raw: [UInt8]) -> String? {
        guard raw.count == 32 else { return nil }
        var text = [CChar](repeating: 0, count: 41)
        guard zmq_z85_encode(&text, raw, raw.count) != nil else { return nil }
        return String(cString: text)
    }
}

/// Reading and creating key files.
public enum CurveKeyFile {
    /// The key in a public key file (`PREFIX.pub`), e.g. the coordinator's for a worker.
    public static func readPublicKey(_ path: String) throws -> String { try readSingleKey(path) }

    /// The non-comment, non-blank lines of `path` with their 1-based line numbers, each checked
    /// to be a Z85 key.
    static func readKeys(_ path: String) throws -> [(line: Int, key: String)] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CurveKeyError(path: path, line: nil, message: "cannot read: \((error as NSError).localizedDescription)")
        }
        var keys: [(line: Int, key: String)] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard Z85Key.isValid(line) else {
                throw CurveKeyError(path: path, line: index + 1,
                                    message: "not a CURVE key (40 Z85 characters expected, got \(line.utf8.count) characters)")
            }
            keys.append((index + 1, line))
        }
        return keys
    }

    /// The one key in a `.pub` or `.key` file.
    static func readSingleKey(_ path: String) throws -> String {
        let keys = try readKeys(path)
        guard keys.count == 1 else {
            throw CurveKeyError(path: path, line: keys.dropFirst().first?.line, message: "holds \(keys.count) keys, expected exactly 1")
        }
        return keys[0].key
    }

    /// Creates `path` with `mode` (never widening an existing file: it must not exist).
    static func create(_ path: String, mode: mode_t, text: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard descriptor >= 0 else {
            throw CurveKeyError(path: path, line: nil, message: "cannot create: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        // The umask may have narrowed the mode; set it exactly.
        fchmod(descriptor, mode)
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            throw CurveKeyError(path: path, line: nil, message: "cannot write: \(String(cString: strerror(errno)))")
        }
    }
}

/// Public keys a CURVE server admits: one Z85 key per line; `#` comments and blank lines allowed.
public struct CurveAllowList: Sendable {
    public let keys: Set<String>

    public init(keys: Set<String>) { self.keys = keys }

    /// Reads an allow file; a line that is not a key is an error naming the file and line.
    public init(contentsOfFile path: String) throws {
        self.keys = Set(try CurveKeyFile.readKeys(path).map(\.key))
    }

    public func admits(_ publicKey: String) -> Bool { keys.contains(publicKey) }
}
