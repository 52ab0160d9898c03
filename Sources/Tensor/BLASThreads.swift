import CBLAS

/// The number of threads OpenBLAS uses for sgemm. SpectroFold sets it once per process so
/// that OpenBLAS and our own parallel loops never run more threads than there are cores.
public enum BLASThreads {
    /// Sets OpenBLAS's thread count (at least 1).
    public static func set(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }

    /// OpenBLAS's current thread count.
    public static var current: Int { Int(openblas_get_num_threads()) }
}
