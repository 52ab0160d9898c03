import CSndFile
import Foundation

/// Decoded audio: mono samples in [-1, 1] (channels averaged) at `sampleRate` Hz.
public struct MonoAudio: Sendable, Equatable {
    public var samples: [Float]
    public var sampleRate: Int

    public init(samples: [Float], sampleRate: Int) {
        self.samples = samples
        self.sampleRate = sampleRate
    }

    /// Length in seconds.
    public var duration: Double { Double(samples.count) / Double(sampleRate) }
}

/// Reading and writing audio files through libsndfile: WAV (PCM 8/16/24/32-bit, float), FLAC,
/// OGG/Vorbis and MP3. Integer PCM is scaled to [-1, 1) as torchaudio does (divided by 2^(bits-1)).
public enum AudioFile {
    /// File name extensions SpectroFold reads (lower case, without the dot).
    public static let supportedExtensions: Set<String> = ["wav", "flac", "ogg", "mp3"]

    /// The most mono frames reserved ahead of decoding: 2^22 (87 s at 48 kHz, 16 MiB).
    static let maxReservedFrames = 1 << 22

    /// Decodes `path`, at most its first `maxSeconds`, and averages its channels to mono.
    /// Throws `AudioError` naming the file when it is missing, empty, corrupt, has no samples or
    /// an extension outside `supportedExtensions`.
    public static func readMono(_ path: String, maxSeconds: Double = .infinity) throws -> MonoAudio {
        let ext = (path as NSString).pathExtension.lowercased()
        guard supportedExtensions.contains(ext) else {
            throw AudioError(file: path, reason: "unsupported format '.\(ext)' (supported: \(supportedExtensions.sorted().joined(separator: ", ")))")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw AudioError(file: path, reason: "no such file")
        }
        var info = SF_INFO()
        guard let handle = sf_open(path, Int32(SFM_READ), &info) else {
            throw AudioError(file: path, reason: "cannot decode: \(String(cString: sf_strerror(nil)))")
        }
        defer { sf_close(handle) }
        let channels = Int(info.channels)
        guard channels > 0, info.samplerate > 0 else {
            throw AudioError(file: path, reason: "invalid header (\(channels) channels at \(info.samplerate) Hz)")
        }

        // Read in blocks until the decoder stops or the limit is reached: frame counts of
        // compressed formats are estimates.
        let blockFrames = 1 << 15
        let limit = maxSeconds < Double(Int.max / Int(info.samplerate)) ? Int((maxSeconds * Double(info.samplerate)).rounded(.up)) : Int.max
        var interleaved = [Float](repeating: 0, count: blockFrames * channels)
        var mono: [Float] = []
        // The header's frame count is only a claim (FLAC's has 36 bits): reserve no more than
        // `maxReservedFrames` on its word; appending grows past that as samples really arrive.
        mono.reserveCapacity(min(max(0, Int(info.frames)), maxReservedFrames))
        let scale = 1 / Float(channels)
        while mono.count < limit {
            let read = Int(interleaved.withUnsafeMutableBufferPointer {
                sf_readf_float(handle, $0.baseAddress, sf_count_t(min(blockFrames, limit - mono.count)))
            })
            if read <= 0 { break }
            for frame in 0..<read {
                var sum: Float = 0
                for channel in 0..<channels { sum += interleaved[frame * channels + channel] }
                mono.append(channels == 1 ? sum : sum * scale)
            }
        }
        if sf_error(handle) != 0 {
            throw AudioError(file: path, reason: "decoding failed after \(mono.count) samples: \(String(cString: sf_strerror(handle)))")
        }
        guard !mono.isEmpty else { throw AudioError(file: path, reason: "contains no audio samples") }
        return MonoAudio(samples: mono, sampleRate: Int(info.samplerate))
    }

    /// Encodings `write` produces.
    public enum Encoding: Sendable, CaseIterable {
        case wavPCM8, wavPCM16, wavPCM24, wavPCM32, wavFloat, flac16, oggVorbis, mp3

        var format: Int32 {
            switch self {
            case .wavPCM8: return Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_U8)
            case .wavPCM16: return Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16)
            case .wavPCM24: return Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_24)
            case .wavPCM32: return Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_32)
            case .wavFloat: return Int32(SF_FORMAT_WAV | SF_FORMAT_FLOAT)
            case .flac16: return Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_16)
            case .oggVorbis: return Int32(SF_FORMAT_OGG | SF_FORMAT_VORBIS)
            case .mp3: return Int32(SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III)
            }
        }

        /// The usual file name extension.
        public var fileExtension: String {
            switch self {
            case .wavPCM8, .wavPCM16, .wavPCM24, .wavPCM32, .wavFloat: return "wav"
            case .flac16: return "flac"
            case .oggVorbis: return "ogg"
            case .mp3: return "mp3"
            }
        }
    }

    /// Writes mono `audio` to `path` in `encoding` (samples outside [-1, 1] are clipped by integer encodings).
    public static func write(_ audio: MonoAudio, to path: String, encoding: Encoding = .wavPCM16) throws {
        var info = SF_INFO()
        info.samplerate = Int32(audio.sampleRate)
        info.channels = 1
        info.format = encoding.format
        guard let handle = sf_open(path, Int32(SFM_WRITE), &info) else {
            throw AudioError(file: path, reason: "cannot write: \(String(cString: sf_strerror(nil)))")
        }
        // Integer encodings clip instead of wrapping around on full-scale samples.
        sf_command(handle, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
        let written = audio.samples.withUnsafeBufferPointer {
            sf_writef_float(handle, $0.baseAddress, sf_count_t($0.count))
        }
        let failure = written == audio.samples.count ? nil : String(cString: sf_strerror(handle))
        sf_close(handle)
        if let failure { throw AudioError(file: path, reason: "cannot write: \(failure)") }
    }
}
