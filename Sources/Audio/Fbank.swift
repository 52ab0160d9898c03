import Foundation

/// The settings of the log-mel front end. The Kaldi details AST relies on are fixed (see
/// `Fbank`); these are the ones a sweep may change.
public struct FbankParameters: Sendable, Equatable, Codable {
    /// Rate (Hz) audio is resampled to before featurising.
    public var sampleRate: Int
    public var numMelBins: Int
    public var frameLengthMs: Double
    public var frameShiftMs: Double
    /// The model's input width: every window a model sees is this many frames.
    public var frames: Int
    /// The most frames kept of a clip (≥ `frames`): longer clips are cropped to it, shorter ones
    /// padded with 0; a model sees `frames`-long windows of them.
    public var maxFrames: Int
    /// Subtract from each mel bin its mean over the clip's own frames (cepstral mean
    /// normalisation in the log-mel domain): what a microphone, a room or a voice adds to every
    /// frame alike is taken out, and the padding then sits at the clip's mean level.
    public var subtractClipMean: Bool

    /// `maxFrames` nil: the same as `frames` (every clip cropped or padded to the model's input).
    public init(sampleRate: Int = 16000, numMelBins: Int = 128, frameLengthMs: Double = 25,
                frameShiftMs: Double = 10, frames: Int = 100, maxFrames: Int? = nil, subtractClipMean: Bool = false) {
        self.sampleRate = sampleRate
        self.numMelBins = numMelBins
        self.frameLengthMs = frameLengthMs
        self.frameShiftMs = frameShiftMs
        self.frames = frames
        self.maxFrames = max(maxFrames ?? frames, frames)
        self.subtractClipMean = subtractClipMean
    }

    private enum CodingKeys: String, CodingKey {
        case sampleRate = "sample_rate", numMelBins = "num_mel_bins", frameLengthMs = "frame_length_ms"
        case frameShiftMs = "frame_shift_ms", frames, maxFrames = "max_frames", subtractClipMean = "subtract_clip_mean"
        // The fixed Kaldi settings, written for readers of a feature pack; never read back.
        case windowType = "window_type", preemphasis, lowFrequency = "low_freq", logFloor = "log_floor", padValue = "pad_value"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(sampleRate: try c.decode(Int.self, forKey: .sampleRate), numMelBins: try c.decode(Int.self, forKey: .numMelBins),
                  frameLengthMs: try c.decode(Double.self, forKey: .frameLengthMs),
                  frameShiftMs: try c.decode(Double.self, forKey: .frameShiftMs), frames: try c.decode(Int.self, forKey: .frames),
                  maxFrames: try c.decodeIfPresent(Int.self, forKey: .maxFrames),
                  subtractClipMean: try c.decodeIfPresent(Bool.self, forKey: .subtractClipMean) ?? false)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sampleRate, forKey: .sampleRate)
        try c.encode(numMelBins, forKey: .numMelBins)
        try c.encode(frameLengthMs, forKey: .frameLengthMs)
        try c.encode(frameShiftMs, forKey: .frameShiftMs)
        try c.encode(frames, forKey: .frames)
        try c.encode(maxFrames, forKey: .maxFrames)
        try c.encode(subtractClipMean, forKey: .subtractClipMean)
        try c.encode("hanning", forKey: .windowType)
        try c.encode(0.97, forKey: .preemphasis)
        try c.encode(Fbank.lowFrequency, forKey: .lowFrequency)
        try c.encode(Double(Fbank.logFloor), forKey: .logFloor)
        try c.encode(0.0, forKey: .padValue)
    }

    /// Samples per frame, truncated as Kaldi does (400 at 16 kHz and 25 ms).
    public var windowSize: Int { Int(Double(sampleRate) * frameLengthMs * 0.001) }
    /// Samples between frame starts (160 at 16 kHz and 10 ms).
    public var windowShift: Int { Int(Double(sampleRate) * frameShiftMs * 0.001) }

    /// Samples the `maxFrames` stored frames read: the last frame ends here.
    public var samplesRead: Int { (maxFrames - 1) * windowShift + windowSize }

    /// FFT length: the window size rounded up to a power of two (512).
    public var fftSize: Int {
        var size = 1
        while size < windowSize { size <<= 1 }
        return size
    }
}

/// Kaldi-compatible log-mel filterbank features, equal to
/// `torchaudio.compliance.kaldi.fbank(wave, htk_compat=True, sample_frequency=16000,
/// use_energy=False, window_type='hanning', num_mel_bins=128, dither=0.0, frame_shift=10)`
/// (AST's front end) for the default parameters:
///
/// - frames of `windowSize` samples every `windowShift` samples, only whole frames
///   (snip_edges): 1 + ⌊(n − 400) / 160⌋ frames, none when n < 400;
/// - per frame: DC removal, pre-emphasis x[i] − 0.97 x[i−1] with x[−1] = x[0], symmetric Hann
///   window 0.5 − 0.5 cos(2πi / (N − 1)), zero padding to `fftSize`, power spectrum;
/// - triangular mel filters from 20 Hz to Nyquist (`MelFilterbank`), then ln(max(e, ε)) with
///   ε = 1.1920929e-7 (float32 machine epsilon).
///
/// Not thread-safe (it owns FFT buffers): give each thread its own instance.
public final class Fbank {
    public let parameters: FbankParameters
    /// Pre-emphasis coefficient.
    public static let preemphasis: Float = 0.97
    /// Lower edge of the first mel filter, in Hz.
    public static let lowFrequency = 20.0
    /// The log floor: Float.ulpOfOne.
    public static let logFloor: Float = 1.1920929e-7

    private let window: [Float]
    private let filterbank: MelFilterbank
    private let fft: RealFFT

    public init(parameters: FbankParameters = FbankParameters()) {
        precondition(parameters.windowSize > 1 && parameters.windowShift > 0 && parameters.numMelBins > 0,
                     "Fbank: invalid parameters \(parameters)")
        self.parameters = parameters
        let n = parameters.windowSize
        window = (0..<n).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(n - 1))) }
        filterbank = MelFilterbank(binCount: parameters.numMelBins, fftSize: parameters.fftSize,
                                   sampleRate: parameters.sampleRate, lowFrequency: Self.lowFrequency)
        fft = RealFFT(size: parameters.fftSize)
    }

    /// Number of whole frames in `sampleCount` samples.
    public func frameCount(sampleCount: Int) -> Int {
        sampleCount < parameters.windowSize ? 0 : 1 + (sampleCount - parameters.windowSize) / parameters.windowShift
    }

    /// Log-mel energies in Kaldi's layout: (frameCount, numMelBins), row-major.
    /// `samples` are at `parameters.sampleRate`, scaled to [-1, 1].
    public func kaldiFbank(_ samples: [Float]) -> (values: [Float], frameCount: Int) {
        let count = frameCount(sampleCount: samples.count)
        let bins = parameters.numMelBins
        var values = [Float](repeating: 0, count: count * bins)
        values.withUnsafeMutableBufferPointer { out in
            forEachFrame(samples, frames: count) { t, power in
                filterbank.apply(power, into: out.baseAddress! + t * bins, stride: 1)
            }
            for i in 0..<out.count { out[i] = log(max(out[i], Self.logFloor)) }
        }
        return (values, count)
    }

    /// A clip's spectrogram as stored: log-mel energies as (numMelBins, maxFrames), mel bin 0
    /// first, the first `parameters.maxFrames` frames, padded with 0 when the audio is shorter
    /// (as AST does); `frames` is how many of them are the clip's (at most `maxFrames`).
    public func features(_ samples: [Float]) -> (values: [Float], frames: Int) {
        let (fbank, count) = kaldiFbank(samples)
        let bins = parameters.numMelBins, width = parameters.maxFrames
        var out = [Float](repeating: 0, count: bins * width)
        for t in 0..<min(count, width) {
            for m in 0..<bins { out[m * width + t] = fbank[t * bins + m] }
        }
        return (out, min(count, width))
    }

    /// Calls `body(t, power)` for each of the first `frames` frames with its power spectrum
    /// (fftSize/2 + 1 values) after DC removal, pre-emphasis and windowing.
    private func forEachFrame(_ samples: [Float], frames: Int,
                              _ body: (Int, UnsafeBufferPointer<Float>) -> Void) {
        let n = parameters.windowSize, shift = parameters.windowShift
        var frame = [Float](repeating: 0, count: n)
        var power = [Float](repeating: 0, count: fft.binCount)
        samples.withUnsafeBufferPointer { x in
            for t in 0..<frames {
                let start = t * shift
                var sum: Float = 0
                for i in 0..<n { sum += x[start + i] }
                let mean = sum / Float(n)
                for i in 0..<n { frame[i] = x[start + i] - mean }
                // Pre-emphasis from the end backwards so each step still sees the unmodified x[i-1].
                for i in stride(from: n - 1, to: 0, by: -1) { frame[i] -= Self.preemphasis * frame[i - 1] }
                frame[0] -= Self.preemphasis * frame[0]
                for i in 0..<n { frame[i] *= window[i] }
                frame.withUnsafeBufferPointer { f in
                    power.withUnsafeMutableBufferPointer { p in fft.powerSpectrum(of: f, into: p) }
                }
                power.withUnsafeBufferPointer { body(t, $0) }
            }
        }
    }
}
