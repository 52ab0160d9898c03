import CBLAS
import Foundation

/// Which of OpenBLAS's CPU-specific kernels this process runs, and whether it is below what the
/// CPU supports. `OPENBLAS_CORETYPE` forces a kernel (e.g. `Haswell`, AVX2, on an AVX-512 CPU,
/// where sgemm then runs at about half its rate).
public enum BLASKernel {
    /// The vector instruction sets that decide sgemm's kernel, lowest first.
    public enum VectorLevel: Int, Comparable, Sendable, CustomStringConvertible {
        case sse = 0, avx, avx2, avx512

        public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

        public var description: String { ["SSE", "AVX", "AVX2", "AVX-512"][rawValue] }
    }

    /// OpenBLAS's name of the kernel in use (`openblas_get_corename`), e.g. "Cooperlake".
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// The vector level a kernel (OpenBLAS core name, any case) is written for.
    public static func level(ofCore name: String) -> VectorLevel {
        switch name.lowercased() {
        case "skylakex", "cooperlake", "sapphirerapids": .avx512
        case "haswell", "zen", "excavator": .avx2
        case "sandybridge", "bulldozer", "piledriver", "steamroller": .avx
        default: .sse
        }
    }

    /// The highest vector level among `flags` (the `flags` line of /proc/cpuinfo, split).
    public static func level(ofCPUFlags flags: Set<String>) -> VectorLevel {
        if flags.contains("avx512f") { return .avx512 }
        if flags.contains("avx2") && flags.contains("fma") { return .avx2 }
        if flags.contains("avx") { return .avx }
        return .sse
    }

    /// This CPU's flags from /proc/cpuinfo; nil where the file cannot be read.
    public static func cpuFlags() -> Set<String>? {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return nil }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// The OpenBLAS kernel written for the CPU with `flags`, to name in `OPENBLAS_CORETYPE`.
    public static func fittingCore(forCPUFlags flags: Set<String>) -> String {
        switch level(ofCPUFlags: flags) {
        case .avx512: flags.contains("avx512_bf16") ? "Cooperlake" : "SkylakeX"
        case .avx2: "Haswell"
        case .avx: "SandyBridge"
        case .sse: "Prescott"
        }
    }

    /// A warning when the kernel in use is below what the CPU supports, e.g. "the Prescott kernel
    /// (SSE) is below this CPU's AVX-512: set OPENBLAS_CORETYPE=Cooperlake" (OpenBLAS falls back to
    /// Prescott on CPUs newer than it knows); nil otherwise.
    public static var warning: String? {
        let core = coreName, kernel = level(ofCore: core)
        guard let flags = cpuFlags(), case let cpu = level(ofCPUFlags: flags), kernel < cpu else { return nil }
        let fitting = fittingCore(forCPUFlags: flags)
        let advice = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"].map {
            "OPENBLAS_CORETYPE=\($0) forces it; \(fitting) fits this CPU"
        } ?? "set OPENBLAS_CORETYPE=\(fitting)"
        return "the \(core) kernel (\(kernel)) is below this CPU's \(cpu): \(advice)"
    }

    /// The kernel's name, with the warning when there is one.
    public static var summary: String { coreName + (warning.map { " (warning: \($0))" } ?? "") }
}
