import Foundation

/// Timing of repeated runs: a warm-up, then runs until `minimumSeconds` have passed (at least
/// `minimumRuns`), reporting medians in milliseconds of wall-clock time and of the process's CPU
/// time. On one thread the CPU time is the work itself, nearly unaffected by other processes
/// competing for the cores, so before/after comparisons on a loaded machine read it.
enum Stopwatch {
    struct Timing {
        let wallMilliseconds: Double
        /// Every thread of the process together (on several threads, waiting that spins counts too).
        let cpuMilliseconds: Double
    }

    static func median(warmUp: Int = 2, minimumRuns: Int = 5, minimumSeconds: Double = 1.0,
                       _ body: () throws -> Void) rethrows -> Timing {
        for _ in 0..<warmUp { try body() }
        var wall: [Double] = [], cpu: [Double] = []
        let start = DispatchTime.now().uptimeNanoseconds
        repeat {
            let (w0, c0) = (DispatchTime.now().uptimeNanoseconds, processCPUNanoseconds())
            try body()
            wall.append(Double(DispatchTime.now().uptimeNanoseconds - w0) / 1e6)
            cpu.append(Double(processCPUNanoseconds() - c0) / 1e6)
        } while wall.count < minimumRuns || Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 < minimumSeconds
        return Timing(wallMilliseconds: wall.sorted()[wall.count / 2], cpuMilliseconds: cpu.sorted()[cpu.count / 2])
    }

    static func medianMilliseconds(warmUp: Int = 2, minimumRuns: Int = 5, minimumSeconds: Double = 1.0,
                                   _ body: () throws -> Void) rethrows -> Double {
        try median(warmUp: warmUp, minimumRuns: minimumRuns, minimumSeconds: minimumSeconds, body).wallMilliseconds
    }

    private static func processCPUNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
