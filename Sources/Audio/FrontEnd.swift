/// Audio file → stored spectrogram: decode, downmix, resample to `parameters.sampleRate`,
/// log-mel (each bin's clip mean subtracted with `parameters.subtractClipMean`) padded or
/// cropped to `parameters.maxFrames`, plus the clip's acoustic descriptors.
/// Not thread-safe (it owns an `Fbank`): one instance per thread.
public final class FrontEnd {
    public let fbank: Fbank
    public var parameters: FbankParameters { fbank.parameters }

    public init(parameters: FbankParameters) {
        fbank = Fbank(parameters: parameters)
    }

    /// The features of the file at `path`: (numMelBins, maxFrames) log-mel, how many of those
    /// frames are the clip's, and the descriptors of the whole resampled clip. Throws
    /// `AudioError` naming the file.
    public func process(_ path: String) throws -> (features: [Float], frames: Int, descriptors: AcousticDescriptors) {
        let audio = try Resampler.resample(try AudioFile.readMono(path), to: parameters.sampleRate)
        let descriptors = AcousticDescriptors(of: audio, frameLength: parameters.windowSize, frameShift: parameters.windowShift)
        var (features, frames) = fbank.features(audio.samples)
        if parameters.subtractClipMean { Self.subtractBinMeans(&features, bins: parameters.numMelBins, stride: parameters.maxFrames, frames: frames) }
        return (features, frames, descriptors)
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
