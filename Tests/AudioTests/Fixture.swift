import Audio
import Foundation
import SafeTensors

/// The committed reference files of `Fixtures/` (made by `Fixtures/make_fixtures.py`).
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path

    static func path(_ name: String) -> String { directory + "/" + name }

    static func reference() throws -> SafeTensorsFile {
        try SafeTensorsFile.read(contentsOf: path("reference.safetensors"))
    }

    /// Mean and maximum absolute difference of two equally long arrays.
    static func differences(_ a: [Float], _ b: [Float]) -> (mean: Double, max: Double) {
        precondition(a.count == b.count && !a.isEmpty)
        var sum = 0.0, largest = 0.0
        for i in a.indices {
            let d = Double(abs(a[i] - b[i]))
            sum += d
            largest = max(largest, d)
        }
        return (sum / Double(a.count), largest)
    }
}
