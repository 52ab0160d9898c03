import Foundation

/// Runs Python scripts in the tests' environment (mlflow, safetensors, numpy), whose interpreter
/// `scripts/test` exports as `SPECTROFOLD_PYTHON`. Tests use it to check SpectroFold's output with
/// the reference implementation's own reader.
public enum TestPython {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The interpreter, or a failure telling how to get one (tests never skip silently).
    public static func interpreter() throws -> String {
        guard let path = ProcessInfo.processInfo.environment["SPECTROFOLD_PYTHON"], !path.isEmpty else {
            throw Failure(description: "SPECTROFOLD_PYTHON is not set: run ./scripts/test, or `source scripts/lib/deps.sh && ensure_python_env` first")
        }
        return path
    }

    /// Runs `script` with `arguments` and returns its standard output; a non-zero exit is an error
    /// carrying standard error.
    @discardableResult
    public static func run(_ script: String, arguments: [String] = []) throws -> String {
        let result = try ChildProcess.run(try interpreter(), arguments: ["-c", script] + arguments)
        guard result.status == 0 else {
            throw Failure(description: "python exited \(result.status): \(result.standardError)")
        }
        return result.standardOutput
    }
}
