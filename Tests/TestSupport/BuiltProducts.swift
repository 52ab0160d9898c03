import Foundation

/// Executables built by `swift build` next to the test bundle (`.build/<configuration>/`).
public enum BuiltProducts {
    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    /// The path of the built executable `name`; an error telling how to build it when absent.
    public static func executable(_ name: String) throws -> String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments.first { $0.contains(".xctest") } ?? CommandLine.arguments[0])
        var directory = testBinary.deletingLastPathComponent()
        // On Linux the test bundle is an executable file; on other platforms a directory tree.
        while directory.path != "/" && !directory.lastPathComponent.hasSuffix(".xctest") && !FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path) {
            directory.deleteLastPathComponent()
        }
        if directory.lastPathComponent.hasSuffix(".xctest") { directory.deleteLastPathComponent() }
        let path = directory.appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Missing(description: "\(name) is not built next to the tests (looked in \(directory.path)): run `swift build -c release --build-tests` first")
        }
        return path
    }
}
