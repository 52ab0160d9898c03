import Foundation

/// Executables built beside the test bundle (`swift build --build-tests` builds them all).
public enum BuiltProduct {
    /// The path of the executable `name` in the build folder the tests run from.
    public static func path(_ name: String) throws -> String {
        let folder = URL(fileURLWithPath: CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? CommandLine.arguments[0])
            .deletingLastPathComponent()
        let candidate = folder.appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: candidate) else {
            throw TestPython.Failure(description: "\(name) is not built at \(candidate): run `swift build -c release --build-tests` first")
        }
        return candidate
    }
}
