import Foundation

/// Runs a program to completion and captures its output: the tools the tests call (python, sox)
/// and the demo dataset's speech synthesiser.
public enum ChildProcess {
    public struct Result {
        public let status: Int32
        public let standardOutput: String
        public let standardError: String
    }

    public static func run(_ executable: String, arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes before waiting so a chatty child cannot block on a full pipe.
        let errText = StandardErrorBox()
        let errReader = DispatchGroup()
        DispatchQueue.global().async(group: errReader) {
            errText.data = err.fileHandleForReading.readDataToEndOfFile()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        errReader.wait()
        return Result(
            status: process.terminationStatus,
            standardOutput: String(decoding: outData, as: UTF8.self),
            standardError: String(decoding: errText.data, as: UTF8.self))
    }
}

/// Standard error as read by a background reader; written once, read after the reader finished.
private final class StandardErrorBox: @unchecked Sendable {
    var data = Data()
}
