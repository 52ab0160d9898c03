import Audio
import FuzzInput

/// Fuzzes the audio decoder entry point (`AudioFile.readMono`, over libsndfile): the input is
/// an audio file, named with the extension its first bytes suggest (RIFF/RF64 WAV, FLAC, Ogg,
/// else MP3) as a dataset would name it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAudio(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let magic = String(decoding: bytes.prefix(4), as: UTF8.self)
    let ext = ["RIFF": "wav", "RIFX": "wav", "RF64": "wav", "fLaC": "flac", "OggS": "ogg"][magic] ?? "mp3"
    let path = FuzzInput.file(named: "clip." + ext, holding: bytes)
    do {
        let audio = try AudioFile.readMono(path)
        precondition(audio.sampleRate > 0 && !audio.samples.isEmpty, "decoded audio without a rate or samples")
    } catch is AudioError {
        // The decoder's one way to refuse a file.
    } catch {
        fatalError("decoder threw something other than an AudioError: \(error)")
    }
    return 0
}
