/// Audio file → stored spectrogram: decode (at most `decodedSeconds`), downmix, resample to
/// `parameters.sampleRate`, log-mel (each bin's clip mean subtracted with
/// `parameters.subtractClipMean`) padded or cropped to `parameters.maxFrames`, plus the acoustic
/// descriptors of the decoded audio.
/// Not thread-safe (it owns an `Fbank`): one instance per thread.
public final class FrontEnd {
    public let fbank: Fbank
    public var parameters: FbankParameters { fbank.parameters }

    public init(parameters: FbankParameters) {
        fbank = Fbank(parameters: parameters)
    }

    /// The features of the file at `path`: (numMelBins, maxFrames) log-mel, how many of those
    /// frames are the clip's, and the descriptors of the decoded, resampled audio. Throws
    /// `AudioError` naming the file.
    public func process(_ path: String) throws -> (features: [Float], frames: Int, descriptors: AcousticDescriptors) {
        let audio = try Resampler.resample(try AudioFile.readMono(path, maxSeconds: decodedSeconds), to: parameters.sampleRate)
        let descriptors = AcousticDescriptors(of: audio, frameLength: parameters.windowSize, frameShift: parameters.windowShift)
        var (features, frames) = fbank.features(audio.samples)
        if parameters.subtractClipMean { Self.subtractBinMeans(&features, bins: parameters.numMelBins, stride: parameters.maxFrames, frames: frames) }
        return (features, frames, descriptors)
    }

    /// How much of a file is decoded: the whole clip up to 10 minutes (its duration and
    /// descriptors describe all of it), and never less than the stored frames read plus 0.1 s,
    /// where resampling's filter has settled as it would inside the whole clip. A file that
    /// decodes to hours (a FLAC of constant frames can claim 2^36 samples in a few kilobytes)
    /// cannot exhaust a worker's memory: at most 115 MB of samples at 48 kHz.
    public var decodedSeconds: Double {
        max(600, Double(parameters.samplesRead) / Double(parameters.sampleRate) + 0.1)
    }

    /// Subtracts from each of `bins` rows of `features` ((bins, stride) row-major) the mean of its
    /// first `frames` values, from those values only (the padding after them stays 0).
    static func subtractBinMeans(_ features: inout [Float], bins: Int, stride: Int, frames: Int) {
        guard frames > 0 else { return }
        for b in 0..<bins {
            let row = (b * stride)..<(b * stride + frames)
            let mean = features[row].reduce(0, +) / Float(frames)
            for i in row { features[i] -= mean }
        }
    }
}
