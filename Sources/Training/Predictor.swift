import Audio
import Data
import Foundation

/// One window of a clip as the model saw it, and its class probabilities.
public struct WindowPrediction: Sendable, Equatable {
    /// 0-based position among the clip's windows.
    public var index: Int
    /// Where the window starts in the clip, seconds.
    public var startSeconds: Double
    /// One per class, summing to 1.
    public var probabilities: [Float]
}

/// One clip's prediction: the mean of its windows' probabilities and the most probable class.
public struct ClipPrediction: Sendable, Equatable {
    public var path: String
    /// Index into the predictor's classes of the largest probability (the first on ties).
    public var predicted: Int
    public var probabilities: [Float]
    public var windows: [WindowPrediction]
}

/// Classifies audio with one trained model, or with several as an ensemble (a model's fold
/// models: the mean of their probabilities). Each member scores exactly as its job scored its
/// held-out fold: the files featurised by the training front end (`FeaturePackBuilder`), each
/// example normalised with the member's own statistics and metadata scaling (`BatchLoader`),
/// then logits and softmax (`InferencePass`).
///
/// Windows: today every clip is one window, its first `features.frames` frames zero-padded (the
/// crop training used; `ModelCard.training.windows` is `first_frames`). Scoring goes window by
/// window and a clip's probabilities are the mean over its windows, so the evaluation's windowing
/// (several windows per clip) slots in where the pack is built.
public struct Predictor {
    public let members: [TrainedModel]

    /// The members must agree on classes, front end and the metadata they read.
    public init(members: [TrainedModel]) throws {
        guard let first = members.first?.card else { throw ModelFolderError("predict", "no model to predict with") }
        for member in members.dropFirst() {
            let path = (member.directory as NSString).appendingPathComponent(ModelCard.fileName)
            for (field, same) in [("classes", member.card.classes == first.classes), ("features", member.card.features == first.features),
                                  ("metadata.columns", member.card.schema == first.schema)] where !same {
                throw ModelFolderError(path, field: field, "differs from that of \(members[0].directory): these models cannot be averaged")
            }
        }
        self.members = members
    }

    public var card: ModelCard { members[0].card }
    public var classes: [String] { card.classes }

    /// Builds what the members score from `manifest`'s files (bad files are skipped and listed in
    /// the pack's `skipped`); throws when no file can be decoded.
    public func featurise(_ manifest: Manifest, threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> FeaturePack {
        try FeaturePackBuilder.forScoring(manifest: manifest, parameters: card.features, schema: card.schema, threads: threads).build()
    }

    /// The class probabilities of every row of `pack` (built by `featurise`), (rows × classes)
    /// row-major: a single member's as it computes them, or the mean over the members.
    public func probabilities(_ pack: FeaturePack, batchSize: Int = 32) throws -> [Float] {
        let rows = Array(0..<pack.count)
        var sums: [Double] = []
        for member in members {
            let scaler = member.card.usesMetadata ? member.card.metadata.scaler : MetadataScaler(mean: [], scale: [])
            let loader = BatchLoader(pack: pack, rows: rows, normalizer: member.card.normalization, scaler: scaler,
                                     options: .evaluation(batchSize: batchSize))
            let scored = try InferencePass.probabilities(model: member.network, loader: loader)
            if members.count == 1 { return scored.probabilities }
            sums = sums.isEmpty ? scored.probabilities.map(Double.init) : zip(sums, scored.probabilities).map { $0 + Double($1) }
        }
        return sums.map { Float($0 / Double(members.count)) }
    }

    /// Every clip of `pack` with its windows' probabilities and their mean.
    public func predict(_ pack: FeaturePack, batchSize: Int = 32) throws -> [ClipPrediction] {
        let c = classes.count
        let probabilities = try self.probabilities(pack, batchSize: batchSize)
        // One window per clip today: pack row r is clip r's first `frames` frames, starting at 0 s.
        return (0..<pack.count).map { row in
            let windows = [WindowPrediction(index: 0, startSeconds: 0, probabilities: Array(probabilities[(row * c)..<((row + 1) * c)]))]
            let mean = (0..<c).map { j in windows.map { $0.probabilities[j] }.reduce(0, +) / Float(windows.count) }
            return ClipPrediction(path: pack.files[row], predicted: InferencePass.argmax(mean, classes: c)[0], probabilities: mean, windows: windows)
        }
    }
}
