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
/// held-out fold: the files featurised by the training front end (`FeaturePackBuilder`, up to
/// `features.max_frames` of each clip), each clip cut into the job's scoring windows
/// (`ModelCard.evaluation`: `center` or `sliding`) and normalised with the member's own
/// statistics and metadata scaling (`BatchLoader`), then `InferencePass`: logits, log softmax,
/// and a clip's probabilities the mean of its windows'.
public struct Predictor {
    public let members: [TrainedModel]

    /// The members must agree on classes, front end, scoring windows and the metadata they read.
    public init(members: [TrainedModel]) throws {
        guard let first = members.first?.card else { throw ModelFolderError("predict", "no model to predict with") }
        for member in members.dropFirst() {
            let path = (member.directory as NSString).appendingPathComponent(ModelCard.fileName)
            for (field, same) in [("classes", member.card.classes == first.classes), ("features", member.card.features == first.features),
                                  ("evaluation", member.card.evaluation == first.evaluation),
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

    /// Every clip of `pack` (built by `featurise`) with its windows' probabilities: a single
    /// member's as its evaluation computes them, or the mean over the members.
    public func predict(_ pack: FeaturePack, batchSize: Int = 32) throws -> [ClipPrediction] {
        let secondsPerFrame = card.features.frameShiftMs / 1000
        let scored = try members.map { member -> [InferencePass.ClipScores] in
            let scaler = member.card.usesMetadata ? member.card.metadata.scaler : MetadataScaler(mean: [], scale: [])
            let loader = BatchLoader(pack: pack, rows: Array(0..<pack.count), normalizer: member.card.normalization, scaler: scaler,
                                     options: .evaluation(batchSize: batchSize, windows: member.card.evaluation.clipWindows!))
            return try InferencePass.scores(model: member.network, loader: loader)
        }
        return scored[0].indices.map { i in
            let clip = scored[0][i]
            let windows = clip.windows.indices.map { w in
                WindowPrediction(index: w, startSeconds: Double(clip.windows[w].start) * secondsPerFrame,
                                 probabilities: Self.mean(scored.map { $0[i].windows[w].logProbabilities }))
            }
            guard scored.count > 1 else {
                return ClipPrediction(path: pack.files[clip.row], predicted: clip.predicted, probabilities: clip.probabilities, windows: windows)
            }
            let probabilities = Self.mean(scored.map { $0[i].logProbabilities })
            return ClipPrediction(path: pack.files[clip.row], predicted: InferencePass.argmax(probabilities), probabilities: probabilities,
                                  windows: windows)
        }
    }

    /// The mean over the members of exp(log probabilities), per class (exp(x) itself for one member).
    private static func mean(_ logProbabilities: [[Double]]) -> [Float] {
        logProbabilities[0].indices.map { k in Float(logProbabilities.map { exp($0[k]) }.reduce(0, +) / Double(logProbabilities.count)) }
    }
}
