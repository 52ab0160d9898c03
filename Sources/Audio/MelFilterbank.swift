import Foundation

/// Kaldi's triangular mel filterbank (as `torchaudio.compliance.kaldi.get_mel_banks` without
/// VTLN): `binCount` filters evenly spaced on mel = 1127 ln(1 + f/700) between `lowFrequency`
/// and the Nyquist frequency, evaluated at the FFT bin centres k · sampleRate / fftSize for
/// k < fftSize/2 (the Nyquist bin gets weight 0). Filters narrower than an FFT bin can be empty.
struct MelFilterbank {
    /// One filter: its first FFT bin and its weights from there on.
    struct Filter {
        var firstBin: Int
        var weights: [Float]
    }

    let filters: [Filter]

    static func mel(_ hertz: Double) -> Double { 1127 * log(1 + hertz / 700) }

    init(binCount: Int, fftSize: Int, sampleRate: Int, lowFrequency: Double) {
        let nyquist = Double(sampleRate) / 2
        let melLow = Self.mel(lowFrequency), melHigh = Self.mel(nyquist)
        let delta = (melHigh - melLow) / Double(binCount + 1)
        let binWidth = Double(sampleRate) / Double(fftSize)
        filters = (0..<binCount).map { m in
            let left = melLow + Double(m) * delta, centre = left + delta, right = centre + delta
            var first = -1
            var weights: [Float] = []
            for k in 0..<(fftSize / 2) {
                let mel = Self.mel(binWidth * Double(k))
                let weight = max(0, min((mel - left) / (centre - left), (right - mel) / (right - centre)))
                guard weight > 0 else { continue }
                if first < 0 { first = k }
                // Bins between two positive weights are positive too (a triangle is convex).
                weights.append(Float(weight))
            }
            return Filter(firstBin: max(first, 0), weights: weights)
        }
    }

    /// Filter energies Σ_k w_mk · power_k into `energies[m · stride]`.
    func apply(_ power: UnsafeBufferPointer<Float>, into energies: UnsafeMutablePointer<Float>, stride: Int) {
        for (m, filter) in filters.enumerated() {
            var sum: Float = 0
            for (j, weight) in filter.weights.enumerated() { sum += weight * power[filter.firstBin + j] }
            energies[m * stride] = sum
        }
    }
}
