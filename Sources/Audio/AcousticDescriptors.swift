import Foundation

/// Descriptors of a whole clip that any audio file has, used as auxiliary metadata. Spectral
/// descriptors describe the clip's long-term average power spectrum (Hann-windowed frames of the
/// fbank's frame length and shift, no pre-emphasis).
public struct AcousticDescriptors: Sendable, Equatable {
    /// Descriptor names, in the order of `values`, with their units.
    public static let names = [
        "duration_s", "rms_db", "zero_crossing_rate",
        "spectral_centroid_hz", "spectral_bandwidth_hz", "spectral_rolloff_hz", "spectral_flatness",
    ]

    /// Length in seconds.
    public var duration: Double
    /// Root mean square level in dB re full scale (floor −120 dB).
    public var rmsDB: Double
    /// Fraction of adjacent sample pairs whose signs differ.
    public var zeroCrossingRate: Double
    /// Power-weighted mean frequency, Hz.
    public var spectralCentroid: Double
    /// Power-weighted standard deviation of frequency around the centroid, Hz.
    public var spectralBandwidth: Double
    /// Frequency below which 85 % of the power lies, Hz.
    public var spectralRolloff: Double
    /// Geometric over arithmetic mean of the power spectrum (0: tonal, 1: white).
    public var spectralFlatness: Double

    /// The values in `names` order.
    public var values: [Double] {
        [duration, rmsDB, zeroCrossingRate, spectralCentroid, spectralBandwidth, spectralRolloff, spectralFlatness]
    }

    /// Descriptors of `audio` (any rate); `frameLength` and `frameShift` in samples at that rate.
    public init(of audio: MonoAudio, frameLength: Int, frameShift: Int) {
        let x = audio.samples
        duration = audio.duration
        let energy = x.reduce(0.0) { $0 + Double($1) * Double($1) }
        rmsDB = 20 * log10(max((energy / Double(max(x.count, 1))).squareRoot(), 1e-6))
        var crossings = 0
        for i in x.indices.dropFirst() where (x[i] >= 0) != (x[i - 1] >= 0) { crossings += 1 }
        zeroCrossingRate = x.count > 1 ? Double(crossings) / Double(x.count - 1) : 0

        // Long-term average power spectrum over whole frames (one zero-padded frame if shorter).
        var fftSize = 1
        while fftSize < frameLength { fftSize <<= 1 }
        let fft = RealFFT(size: fftSize)
        let window = (0..<frameLength).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(frameLength - 1))) }
        var average = [Double](repeating: 0, count: fft.binCount)
        var power = [Float](repeating: 0, count: fft.binCount)
        var frame = [Float](repeating: 0, count: frameLength)
        let frames = x.count < frameLength ? 1 : 1 + (x.count - frameLength) / frameShift
        for t in 0..<frames {
            for i in 0..<frameLength {
                let j = t * frameShift + i
                frame[i] = j < x.count ? x[j] * window[i] : 0
            }
            frame.withUnsafeBufferPointer { f in power.withUnsafeMutableBufferPointer { fft.powerSpectrum(of: f, into: $0) } }
            for k in average.indices { average[k] += Double(power[k]) }
        }
        let binHertz = Double(audio.sampleRate) / Double(fftSize)
        let total = average.reduce(0, +)
        guard total > 0 else {
            spectralCentroid = 0; spectralBandwidth = 0; spectralRolloff = 0; spectralFlatness = 0
            return
        }
        var centroid = 0.0
        for (k, p) in average.enumerated() { centroid += Double(k) * binHertz * p }
        centroid /= total
        var spread = 0.0
        for (k, p) in average.enumerated() { spread += (Double(k) * binHertz - centroid) * (Double(k) * binHertz - centroid) * p }
        var cumulative = 0.0, rolloffBin = average.count - 1
        for (k, p) in average.enumerated() {
            cumulative += p
            if cumulative >= 0.85 * total { rolloffBin = k; break }
        }
        let meanLog = average.reduce(0.0) { $0 + log($1 / Double(frames) + 1e-20) } / Double(average.count)
        spectralCentroid = centroid
        spectralBandwidth = (spread / total).squareRoot()
        spectralRolloff = Double(rolloffBin) * binHertz
        spectralFlatness = exp(meanLog) / (total / Double(frames) / Double(average.count))
    }
}
