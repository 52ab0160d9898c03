import Foundation

/// Wall-clock timing of repeated runs: a warm-up, then runs until `minimumSeconds` have passed
/// (at least `minimumRuns`), reporting the median in milliseconds.
enum Stopwatch {
    static func medianMilliseconds(warmUp: Int = 2, minimumRuns: Int = 5, minimumSeconds: Double = 1.0,
                                   _ body: () throws -> Void) rethrows -> Double {
        for _ in 0..<warmUp { try body() }
        var samples: [Double] = []
        let start = DispatchTime.now().uptimeNanoseconds
        repeat {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        } while samples.count < minimumRuns || Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 < minimumSeconds
        samples.sort()
        return samples[samples.count / 2]
    }
}
