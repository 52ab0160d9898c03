import Foundation
import XCTest

/// A real component a test needs (an MLflow server, the namespace test bed) that could not
/// start. Under `./scripts/test`, which prepares every component (and so in CI), that is a
/// failure naming why; in a plain `swift test` without that preparation the test skips.
public enum RealComponent {
    /// Set by `scripts/test`.
    public static var isRequired: Bool { ProcessInfo.processInfo.environment["SPECTROFOLD_REQUIRE_REAL_COMPONENTS"] == "1" }

    /// The error to throw from a test whose `component` cannot start for `reason`.
    public static func unavailable(_ component: String, _ reason: String) -> Error {
        let message = "\(component) could not start: \(reason)"
        return isRequired ? Unavailable(description: message + " (required under ./scripts/test)") : XCTSkip(message)
    }

    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }
}
