/// A random stretch of a spectrogram's mel axis, in the spirit of vocal tract length
/// perturbation (Jaitly & Hinton 2013): a speaker's formants sit higher or lower by a factor,
/// so training on spectrograms whose frequency axis is scaled by a random α teaches a model
/// not to rely on one speaker's formant positions. Bin b of the output reads the input at
/// position b / α (linear interpolation between neighbouring bins; positions past the top
/// bin read the top bin). α = 1 leaves the spectrogram unchanged; bin 0 never moves.
public enum FrequencyWarp {
    /// Stretches one (bins, frames) spectrogram, row-major (bin b, frame t at b · frames + t),
    /// in place by `factor` (α > 0).
    public static func apply(to spectrogram: UnsafeMutableBufferPointer<Float>, bins: Int, frames: Int, factor: Float) {
        precondition(
            spectrogram.count == bins * frames && factor > 0,
            "FrequencyWarp: \(spectrogram.count) values are not \(bins) × \(frames), or factor \(factor) ≤ 0")
        guard factor != 1, bins > 1 else { return }
        let source = Array(spectrogram)
        for b in 0..<bins {
            let position = min(Float(b) / factor, Float(bins - 1))
            let low = Int(position), high = min(low + 1, bins - 1)
            let weight = position - Float(low)
            for t in 0..<frames {
                spectrogram[b * frames + t] = (1 - weight) * source[low * frames + t] + weight * source[high * frames + t]
            }
        }
    }

    /// The factor for a uniform draw `u` in [0, 1): α = 1 + maxWarp · (2u − 1), in
    /// [1 − maxWarp, 1 + maxWarp).
    public static func factor(maxWarp: Float, uniform u: Float) -> Float { 1 + maxWarp * (2 * u - 1) }
}
