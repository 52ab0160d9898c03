import Random

/// Which `frames`-long windows of each clip a loader's batches hold. A clip is stored as
/// (numMelBins, maxFrames) with `length` frames of its own; a model sees (numMelBins, frames).
public enum ClipWindows: Sendable, Equatable {
    /// Training: each clip once per epoch, as a random window when it is longer than `frames`
    /// and `randomCrop` is on (its first frames otherwise), then rolled circularly by a random
    /// shift of up to `shift` frames either way.
    case training(randomCrop: Bool, shift: Int)
    /// Scoring: one window in the middle of each clip.
    case center
    /// Scoring: windows every `hop` frames from each clip's start, the last one ending at its end,
    /// so that every frame is in one.
    case sliding(hop: Int)

    /// The first frame of each scoring window of a clip of `length` frames, for windows of
    /// `frames` (one window at 0 for a clip no longer than that). Training windows are drawn.
    public func starts(length: Int, frames: Int) -> [Int] {
        guard length > frames else { return [0] }
        switch self {
        case .training, .center: return [(length - frames) / 2]
        case .sliding(let hop):
            precondition(hop >= 1, "ClipWindows.sliding: hop must be at least 1")
            let last = length - frames
            return Array(stride(from: 0, to: last, by: hop)) + [last]
        }
    }

    /// A training window's start and shift, drawn from `generator` (nothing is drawn when the
    /// clip fits its window or the setting is off, so such batches are as without windows).
    func draw(length: Int, frames: Int, generator: inout RandomGenerator) -> (start: Int, shift: Int) {
        guard case .training(let randomCrop, let maxShift) = self else { return (0, 0) }
        var start = 0, shift = 0
        if randomCrop, length > frames { start = min(Int(generator.nextUniform() * Float(length - frames + 1)), length - frames) }
        if maxShift > 0 { shift = min(Int(generator.nextUniform() * Float(2 * maxShift + 1)), 2 * maxShift) - maxShift }
        return (start, shift)
    }

    /// Copies frames `start ..< start + frames` of a stored clip (`bins` rows of `stride` values,
    /// `length` of them the clip's) into `window` (`bins` rows of `frames`), 0 past the clip's
    /// end, rolled right by `shift` frames (circularly; negative rolls left).
    static func copy(_ clip: UnsafeBufferPointer<Float>, stride: Int, length: Int, bins: Int, start: Int, shift: Int,
                     into window: UnsafeMutableBufferPointer<Float>, frames: Int) {
        let kept = max(0, min(frames, length - start))
        for m in 0..<bins {
            let row = clip.baseAddress! + m * stride + start, out = window.baseAddress! + m * frames
            guard shift != 0 else {
                out.update(from: row, count: kept)
                (out + kept).update(repeating: 0, count: frames - kept)
                continue
            }
            for t in 0..<frames {
                let source = ((t - shift) % frames + frames) % frames
                out[t] = source < kept ? row[source] : 0
            }
        }
    }
}
