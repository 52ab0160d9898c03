import Foundation

/// Hands a fuzz input to readers that take a path: the bytes are written to one scratch file
/// per process (in a folder under the temporary directory, removed at exit), whose name ends
/// in the extension the reader checks.
public enum FuzzInput {
    /// This process's scratch folder, made on first use.
    private static let folder: String = {
        let path = NSTemporaryDirectory() + "spectrofold-fuzz-\(getpid())"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "spectrofold-fuzz-\(getpid())") }
        return path
    }()

    /// Writes `bytes` to `<scratch folder>/<name>` (replacing the previous input) and returns its path.
    public static func file(named name: String, holding bytes: UnsafeRawBufferPointer) -> String {
        let path = folder + "/" + name
        try! Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}
