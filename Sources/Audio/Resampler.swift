import CSoxr
import Foundation

/// Sample-rate conversion with libsoxr at its high quality setting (`SOXR_HQ`: 20-bit precision,
/// linear phase, pass band to 91.3 % of the lower Nyquist frequency, no aliasing).
public enum Resampler {
    /// `audio` at `rate` Hz. The output has ⌈n · rate / audio.sampleRate⌉ samples (as
    /// torchaudio's `resample`), aligned with the input (soxr removes its filter delay).
    public static func resample(_ audio: MonoAudio, to rate: Int) throws -> MonoAudio {
        precondition(rate > 0, "Resampler: target rate must be positive")
        if audio.sampleRate == rate || audio.samples.isEmpty { return MonoAudio(samples: audio.samples, sampleRate: rate) }
        let outputCount = Int((Double(audio.samples.count) * Double(rate) / Double(audio.sampleRate)).rounded(.up))
        var output = [Float](repeating: 0, count: outputCount)
        var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        var quality = soxr_quality_spec(UInt(SOXR_HQ), 0)
        // One thread: callers parallelise over files.
        var runtime = soxr_runtime_spec(1)
        var produced = 0
        let error = audio.samples.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                soxr_oneshot(Double(audio.sampleRate), Double(rate), 1,
                             input.baseAddress, input.count, nil,
                             out.baseAddress, out.count, &produced,
                             &io, &quality, &runtime)
            }
        }
        if let error {
            throw AudioError(file: "<\(audio.sampleRate) Hz signal>", reason: "resampling to \(rate) Hz failed: \(String(cString: error))")
        }
        // soxr rounds the length to nearest where torchaudio rounds up: the last sample may stay
        // unwritten (`produced` one short) and then holds 0, as past the signal's end.
        return MonoAudio(samples: output, sampleRate: rate)
    }
}
