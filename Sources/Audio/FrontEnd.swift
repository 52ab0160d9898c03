/// Audio file → stored spectrogram: decode, downmix, resample to `parameters.sampleRate`,
/// log-mel padded or cropped to `parameters.maxFrames`, plus the clip's acoustic descriptors.
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
        let (features, frames) = fbank.features(audio.samples)
        return (features, frames, descriptors)
    }
}
