import CFFTW
import Foundation

/// The power spectrum |X_k|², k = 0 ... size/2, of real frames of `size` samples, through FFTW
/// (single precision). Not thread-safe: give each thread its own instance.
final class RealFFT {
    let size: Int
    /// Number of non-negative frequency bins: size / 2 + 1.
    var binCount: Int { size / 2 + 1 }
    private let input: UnsafeMutablePointer<Float>
    private let output: UnsafeMutablePointer<fftwf_complex>
    private let plan: fftwf_plan
    /// FFTW's planner is not thread-safe; plans are made under this lock.
    private static let plannerLock = NSLock()

    init(size: Int) {
        precondition(size > 0 && size % 2 == 0, "RealFFT: size must be positive and even")
        self.size = size
        input = fftwf_alloc_real(size)!
        output = fftwf_alloc_complex(size / 2 + 1)!
        Self.plannerLock.lock()
        plan = fftwf_plan_dft_r2c_1d(Int32(size), input, output, UInt32(FFTW_ESTIMATE))!
        Self.plannerLock.unlock()
    }

    deinit {
        Self.plannerLock.lock()
        fftwf_destroy_plan(plan)
        Self.plannerLock.unlock()
        fftwf_free(input)
        fftwf_free(output)
    }

    /// Transforms `frame` (at most `size` samples, zero-padded on the right) and writes the
    /// `binCount` power values to `power`.
    func powerSpectrum(of frame: UnsafeBufferPointer<Float>, into power: UnsafeMutableBufferPointer<Float>) {
        precondition(frame.count <= size && power.count >= binCount)
        for i in 0..<frame.count { input[i] = frame[i] }
        for i in frame.count..<size { input[i] = 0 }
        fftwf_execute(plan)
        for k in 0..<binCount {
            let (re, im) = output[k]
            power[k] = re * re + im * im
        }
    }
}
