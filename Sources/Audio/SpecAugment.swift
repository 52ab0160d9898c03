/// SpecAugment's frequency and time masking (Park et al. 2019) with torchaudio's semantics
/// (`torchaudio.functional.mask_along_axis`, iid per example): each mask draws u₁, u₂ ~ U[0, 1),
/// value = u₁ · param, start = ⌊u₂ · (size − value)⌋, and covers [start, start + ⌊value⌋).
/// So a mask is 0 to param − 1 wide and lies inside the axis.
public struct SpecAugment: Sendable, Equatable {
    public var freqMasks: Int
    /// Maximum width of a frequency mask (mel bins), exclusive as in torchaudio.
    public var freqMaskParam: Int
    public var timeMasks: Int
    /// Maximum width of a time mask (frames), exclusive as in torchaudio.
    public var timeMaskParam: Int

    public init(freqMasks: Int, freqMaskParam: Int, timeMasks: Int, timeMaskParam: Int) {
        self.freqMasks = freqMasks
        self.freqMaskParam = freqMaskParam
        self.timeMasks = timeMasks
        self.timeMaskParam = timeMaskParam
    }

    /// The range a mask covers on an axis of `size` for the draws `uWidth`, `uStart` in [0, 1)
    /// (Float arithmetic, truncation toward zero, as torchaudio's float32 tensors and `.long()`).
    public static func maskRange(size: Int, param: Int, uWidth: Float, uStart: Float) -> Range<Int> {
        guard param >= 1 else { return 0..<0 }
        let value = uWidth * Float(param)
        let minValue = uStart * (Float(size) - value)
        let start = Int(minValue), end = Int(minValue) + Int(value)
        return max(0, start)..<min(size, max(start, end))
    }

    /// Masks one (bins, frames) spectrogram, row-major (mel bin b, frame t at b · frames + t),
    /// in place with `maskValue`: frequency masks first, then time masks, each drawing two
    /// numbers from `uniform` (values in [0, 1)).
    public func apply(to spectrogram: UnsafeMutableBufferPointer<Float>, bins: Int, frames: Int,
                      maskValue: Float = 0, uniform: () -> Float) {
        precondition(spectrogram.count == bins * frames, "SpecAugment: \(spectrogram.count) values are not \(bins) × \(frames)")
        for _ in 0..<freqMasks {
            let (u1, u2) = (uniform(), uniform())
            for b in Self.maskRange(size: bins, param: freqMaskParam, uWidth: u1, uStart: u2) {
                for t in 0..<frames { spectrogram[b * frames + t] = maskValue }
            }
        }
        for _ in 0..<timeMasks {
            let (u1, u2) = (uniform(), uniform())
            for t in Self.maskRange(size: frames, param: timeMaskParam, uWidth: u1, uStart: u2) {
                for b in 0..<bins { spectrogram[b * frames + t] = maskValue }
            }
        }
    }
}
