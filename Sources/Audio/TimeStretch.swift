/// A random stretch of a spectrogram window's time axis: the same words said faster or slower
/// (tempo perturbation, as speed perturbation does for speech without its shift in pitch; Ko et
/// al. 2015), so that a model does not rely on one speaker's pace. Frame t of the output reads
/// the input at t / β (linear interpolation between neighbouring frames; positions past the last
/// frame read 0, the value that pads a short clip). β = 1 leaves the window unchanged; frame 0
/// never moves.
public enum TimeStretch {
    /// Stretches one (bins, frames) window, row-major (bin b, frame t at b · frames + t), in
    /// place by `factor` (β > 0; draw it with `FrequencyWarp.factor`).
    public static func apply(to window: UnsafeMutableBufferPointer<Float>, bins: Int, frames: Int, factor: Float) {
        precondition(
            window.count == bins * frames && factor > 0,
            "TimeStretch: \(window.count) values are not \(bins) × \(frames), or factor \(factor) ≤ 0")
        guard factor != 1, frames > 1 else { return }
        var row = [Float](repeating: 0, count: frames + 1)  // one frame of 0 past the end
        for b in 0..<bins {
            let out = window.baseAddress! + b * frames
            for t in 0..<frames { row[t] = out[t] }
            for t in 0..<frames {
                let position = Float(t) / factor
                guard position < Float(frames) else {
                    out[t] = 0
                    continue
                }
                let low = Int(position), weight = position - Float(low)
                out[t] = (1 - weight) * row[low] + weight * row[low + 1]
            }
        }
    }
}
