/// Audio file → model input: decode, downmix, resample to `parameters.sampleRate`, log-mel
/// padded or cropped to `parameters.frames`, plus the clip's acoustic descriptors.
/// Not thread-safe (it owns an `Fbank`): one instance per thread.
public final class FrontEnd {
    public let fbank: Fbank
    public var parameters: FbankParameters { fbank.parameters }

    public init(parameters: FbankParameters) {
        fbank = Fbank(parameters: parameters)
    }

    /// The features of the file at `path`: (numMelBins, frames) log-mel and the descriptors of
    /// the whole resampled clip. Throws `AudioError` naming the file.
    public func process(_ path: String) throws -> (features: [Float], descriptors: AcousticDescriptors) {
        let audio = try Resampler.resample(try AudioFile.readMono(path), to: parameters.sampleRate)
        let descriptors = AcousticDescriptors(of: audio, frameLength: parameters.windowSize, frameShift: parameters.windowShift)
        return (fbank.features(audio.samples), descriptors)
    }
}
