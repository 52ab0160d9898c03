import Audio
import Foundation
import Random

/// How `BatchLoader` assembles batches.
public struct LoaderOptions: Sendable, Equatable {
    public var batchSize: Int
    /// Reshuffle the rows at each epoch (under `seed` and the epoch number).
    public var shuffle: Bool
    /// Drop the last batch of an epoch when it is smaller than `batchSize`.
    public var dropLast: Bool
    public var seed: UInt64
    /// The largest relative stretch of each training example's mel axis (`FrequencyWarp`, α
    /// drawn uniformly in [1 − w, 1 + w) after normalisation, before masking); 0 for none.
    public var frequencyWarp: Float
    /// The largest relative stretch of each training window's time axis (`TimeStretch`, β drawn
    /// uniformly in [1 − s, 1 + s) before normalisation); 0 for none.
    public var timeStretch: Float
    /// Masking applied to each example after normalisation (mask value 0, the training mean); nil for none.
    public var specAugment: SpecAugment?
    /// Beta(α, α) mixup of each batch with a shuffled copy of itself; 0 for none.
    public var mixupAlpha: Double
    /// The chance that a batch is mixed, when `mixupAlpha` > 0.
    public var mixupProbability: Double
    /// Which windows of each clip the batches hold.
    public var windows: ClipWindows
    /// Batches assembled ahead of the consumer.
    public var prefetch: Int

    public init(batchSize: Int, shuffle: Bool, dropLast: Bool, seed: UInt64, frequencyWarp: Float = 0, timeStretch: Float = 0,
                specAugment: SpecAugment? = nil,
                mixupAlpha: Double = 0, mixupProbability: Double = 1, windows: ClipWindows = .training(randomCrop: true, shift: 0),
                prefetch: Int = 2) {
        precondition(batchSize > 0 && prefetch > 0 && mixupAlpha >= 0 && (0...1).contains(mixupProbability) && (0..<1).contains(frequencyWarp)
                     && (0..<1).contains(timeStretch),
                     "LoaderOptions: invalid \(batchSize), \(prefetch), \(mixupAlpha), \(mixupProbability), \(frequencyWarp), \(timeStretch)")
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.seed = seed
        self.frequencyWarp = frequencyWarp
        self.timeStretch = timeStretch
        self.specAugment = specAugment
        self.mixupAlpha = mixupAlpha
        self.mixupProbability = mixupProbability
        self.windows = windows
        self.prefetch = prefetch
    }

    /// Scoring batches: in row order, every window of every row (`windows`), no augmentation.
    public static func evaluation(batchSize: Int, windows: ClipWindows = .center) -> LoaderOptions {
        LoaderOptions(batchSize: batchSize, shuffle: false, dropLast: false, seed: 0, windows: windows)
    }
}

/// Batches of `frames`-long windows of some rows of a feature pack (`options.windows`: one
/// drawn per row for training, every scoring window of each row in order otherwise),
/// normalised with statistics fitted on the training part of the fold. Each epoch's batches are
/// assembled on a background thread, `prefetch` ahead of the consumer; everything random
/// derives from `options.seed` and the epoch, so the same seed gives the same batches.
///
/// ```swift
/// let train = BatchLoader(pack: pack, rows: folds.trainingRows(fold: f), normalizer: n, scaler: s,
///                         options: LoaderOptions(batchSize: 32, shuffle: true, dropLast: true, seed: 7, specAugment: aug))
/// for batch in train.epoch(e) { ... }
/// ```
public final class BatchLoader: Sendable {
    public let pack: FeaturePack
    public let rows: [Int]
    public let normalizer: FeatureNormalizer
    public let scaler: MetadataScaler
    public let options: LoaderOptions
    /// Scoring loaders: every window as (row, first frame), rows in order; nil for training.
    private let scoringWindows: [(row: Int, start: Int)]?

    public init(pack: FeaturePack, rows: [Int], normalizer: FeatureNormalizer, scaler: MetadataScaler, options: LoaderOptions) {
        precondition(rows.allSatisfy { $0 >= 0 && $0 < pack.count }, "BatchLoader: row outside the pack")
        self.pack = pack
        self.rows = rows
        self.normalizer = normalizer
        self.scaler = scaler
        self.options = options
        if case .training = options.windows {
            scoringWindows = nil
        } else {
            scoringWindows = rows.flatMap { row in
                options.windows.starts(length: pack.lengths[row], frames: pack.parameters.frames).map { (row, $0) }
            }
        }
    }

    /// Examples per epoch: one per row in training, one per window in scoring.
    public var examplesPerEpoch: Int { scoringWindows?.count ?? rows.count }

    public var batchesPerEpoch: Int {
        let n = examplesPerEpoch
        return options.dropLast ? n / options.batchSize : (n + options.batchSize - 1) / options.batchSize
    }

    /// Metadata values per example.
    public var metadataWidth: Int { pack.metadataColumns.count }

    /// The batches of epoch `epoch`, produced on a background thread. Dropping the stream early
    /// stops the thread.
    public func epoch(_ epoch: Int) -> BatchStream {
        BatchStream(capacity: options.prefetch) { [self] emit in
            var order = scoringWindows ?? rows.map { ($0, 0) }
            var shuffler = RandomGenerator(seed: options.seed, stream: UInt64(2 * epoch + 1))
            if options.shuffle { shuffler.shuffle(&order) }
            var augmenter = RandomGenerator(seed: options.seed, stream: UInt64(2 * epoch + 2))
            for b in 0..<batchesPerEpoch {
                let slice = Array(order[(b * options.batchSize)..<min(order.count, (b + 1) * options.batchSize)])
                guard emit(assemble(slice, generator: &augmenter)) else { return }
            }
        }
    }

    /// One batch of `windows` (row, first frame; training draws its own): copy the window,
    /// stretch its time axis, normalise, warp the mel axis, mask, mix.
    func assemble(_ windows: [(row: Int, start: Int)], generator: inout RandomGenerator) -> Batch {
        let stored = pack.featureSize, size = pack.windowSize, k = metadataWidth
        let bins = pack.parameters.numMelBins, frames = pack.parameters.frames, stride = pack.parameters.maxFrames
        let batchRows = windows.map(\.row)
        var starts: [Int] = []
        var features = [Float](repeating: 0, count: windows.count * size)
        var metadata = [Float](repeating: 0, count: windows.count * k)
        features.withUnsafeMutableBufferPointer { out in
            pack.features.withUnsafeBufferPointer { source in
                for (i, window) in windows.enumerated() {
                    let length = pack.lengths[window.row]
                    let (start, shift) = scoringWindows == nil
                        ? options.windows.draw(length: length, frames: frames, generator: &generator) : (window.start, 0)
                    starts.append(start)
                    let example = UnsafeMutableBufferPointer(rebasing: out[(i * size)..<((i + 1) * size)])
                    ClipWindows.copy(UnsafeBufferPointer(rebasing: source[(window.row * stored)..<((window.row + 1) * stored)]), stride: stride,
                                     length: length, bins: bins, start: start, shift: shift, into: example, frames: frames)
                    if options.timeStretch > 0 {
                        let factor = FrequencyWarp.factor(maxWarp: options.timeStretch, uniform: generator.nextUniform())
                        TimeStretch.apply(to: example, bins: bins, frames: frames, factor: factor)
                    }
                    normalizer.apply(example)
                    if options.frequencyWarp > 0 {
                        let factor = FrequencyWarp.factor(maxWarp: options.frequencyWarp, uniform: generator.nextUniform())
                        FrequencyWarp.apply(to: example, bins: bins, frames: frames, factor: factor)
                    }
                    options.specAugment?.apply(to: example, bins: bins, frames: frames) { generator.nextUniform() }
                }
            }
        }
        for (i, row) in batchRows.enumerated() {
            for j in 0..<k { metadata[i * k + j] = pack.metadata[row * k + j] }
        }
        metadata.withUnsafeMutableBufferPointer { scaler.apply($0) }
        let labels = batchRows.map { pack.labels[$0] }
        // A batch is mixed with probability `mixupProbability` (no draw when it is 1).
        guard options.mixupAlpha > 0, batchRows.count > 1,
              options.mixupProbability >= 1 || Double(generator.nextUniform()) < options.mixupProbability else {
            return Batch(rows: batchRows, starts: starts, features: features, labels: labels, metadata: metadata, mixup: nil)
        }
        let mixup = MixupPairing.draw(count: batchRows.count, alpha: options.mixupAlpha, labels: labels, generator: &generator)
        return Batch(rows: batchRows, starts: starts, features: mixup.mix(features, width: size), labels: labels,
                     metadata: mixup.mix(metadata, width: k), mixup: mixup)
    }
}
