import Foundation
import RunRecords
import SafeTensors
import TestSupport
import Tracking

/// A made-up sweep of 4 models × 3 folds × 3 epochs whose every number follows from (model,
/// fold, epoch), recorded through `SweepTracker` as the local sweep or the coordinator would,
/// with real artifact files (a safetensors state dict, a PNG, JSON, CSV).
struct SyntheticSweep {
    static let models = ["ast", "baseline_cnn", "cnn_attention", "cnn_mlp"]
    static let folds = 3
    static let epochs = 3
    /// The synthetic state dict: name → shape (F32, except the I64 scalar counter).
    static let stateDictShapes: [String: [Int]] = ["conv1.weight": [4, 1, 3, 3], "bn1.num_batches_tracked": [], "fc.weight": [2, 4], "fc.bias": [2]]
    static let childArtifacts = ["confusion_matrix.json", "confusion_matrix.png", "model/state_dict.safetensors", "predictions.csv", "training_curves.png"]
    static let parentArtifacts = ["comparison/comparison.csv", "comparison/comparison.md", "comparison/comparison.png", "config/sweep.yaml"]
    /// More params than one log-batch takes (100), to exercise splitting.
    static let configParams: [(key: String, value: String)] = (0..<150).map { ("section\($0 / 10).key\($0 % 10)", "value-\($0)") }
    /// A 1×1 PNG (signature, IHDR, IDAT, IEND).
    static let png: [UInt8] = [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
        0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
        0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
        0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ]

    let sweepId: String
    let name: String
    /// Where the artifact files are written before they are recorded.
    let files: TemporaryDirectory

    init(name: String) throws {
        self.name = name
        sweepId = "sweep-" + name
        files = try TemporaryDirectory(prefix: "synthetic-sweep")
    }

    /// (model, fold) of every job, in the order a local sweep runs them.
    static var jobs: [(model: String, fold: Int)] { models.flatMap { model in (0..<folds).map { (model, $0) } } }

    func job(_ model: String, _ fold: Int, attempt: Int = 1) -> JobIdentity {
        JobIdentity(sweepId: sweepId, jobId: "\(model)/fold-\(fold)", attempt: attempt)
    }

    static func metrics(_ model: String, _ fold: Int, epoch: Int) -> EpochMetrics {
        let m = Double(models.firstIndex(of: model)!), f = Double(fold), e = Double(epoch)
        return EpochMetrics(EpochRecord(epoch: epoch - 1, trainLoss: 2 - 0.3 * e - 0.01 * f, trainAccuracy: 0.4 + 0.1 * e + 0.01 * m,
                                        valLoss: 2.1 - 0.25 * e + 0.02 * f, valAccuracy: 0.35 + 0.1 * e + 0.02 * m + 0.003 * f,
                                        valF1Weighted: 0.3 + 0.1 * e + 0.02 * m, valPrecisionWeighted: 0.32 + 0.1 * e + 0.01 * f,
                                        valRecallWeighted: 0.33 + 0.1 * e + 0.015 * m, learningRate: 0.001 / e, seconds: 1))
    }

    /// Final scores whose spread over folds differs by model (so std is not trivially 0).
    static func scores(_ model: String, _ fold: Int) -> FoldScores {
        let m = Double(models.firstIndex(of: model)!), f = Double(fold)
        return FoldScores(accuracy: 0.6 + 0.05 * m + 0.013 * f * (m + 1), f1Weighted: 0.55 + 0.04 * m + 0.021 * f * f,
                          precisionWeighted: 0.58 + 0.03 * m - 0.007 * f, recallWeighted: 0.6 + 0.05 * m + 0.011 * f,
                          valLoss: 1.2 - 0.1 * m + 0.05 * f * (m - 1.5))
    }

    static func params(_ model: String) -> [(key: String, value: String)] {
        [("learning_rate", "0.001"), ("optimizer", "adamw"), ("batch_size", "16"), ("dropout", "0.3"),
         ("model_version", "\(model)-mini-1"), ("weight_decay", "0.0001"), ("epochs", "\(epochs)")]
    }

    static var dataset: DatasetReference {
        DatasetReference(name: "demo-pack", digest: String(repeating: "ab12", count: 16), source: "/data/demo-pack.safetensors")
    }

    static var comparisonMarkdown: String {
        "| model | accuracy |\n| --- | --- |\n" + models.map { "| \($0) | 0.7 ± 0.01 |" }.joined(separator: "\n")
    }

    // MARK: - Recording

    func recordStart(_ tracker: SweepTracker) throws {
        let config = files.file("sweep.yaml")
        try "name: \(name)\n".write(toFile: config, atomically: true, encoding: .utf8)
        try tracker.sweepStarted(SweepDescription(
            sweepId: sweepId, name: name, source: "spectrofold run configs/demo.yaml", gitCommit: "0123456789abcdef",
            params: Self.configParams, artifacts: [ArtifactFile(localPath: config, artifactPath: "config/sweep.yaml")],
            dataset: Self.dataset))
    }

    func recordJobStart(_ tracker: SweepTracker, _ model: String, _ fold: Int, attempt: Int = 1) throws {
        try tracker.jobStarted(JobStart(job: job(model, fold, attempt: attempt), name: "\(model)/fold-\(fold)", model: model, repeat: 0, fold: fold,
                                        worker: "worker-\(fold % 2)", params: Self.params(model), dataset: Self.dataset))
    }

    func recordEpochs(_ tracker: SweepTracker, _ model: String, _ fold: Int, _ epochs: ClosedRange<Int>, attempt: Int = 1) throws {
        for epoch in epochs { try tracker.epochFinished(job(model, fold, attempt: attempt), Self.metrics(model, fold, epoch: epoch)) }
    }

    /// Writes the job's artifact files, records the job's end, then deletes the files (as a
    /// trainer cleaning up would: the outbox must hold its own copies).
    func recordJobFinished(_ tracker: SweepTracker, _ model: String, _ fold: Int, attempt: Int = 1) throws {
        let directory = files.file("\(model)-\(fold)")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var stateDict = SafeTensorsFile(metadata: ["model": model])
        for (name, shape) in Self.stateDictShapes.sorted(by: { $0.key < $1.key }) {
            stateDict[name] = shape.isEmpty ? SafeTensor(int64s: [7], shape: [])
                : SafeTensor(floats: (0..<shape.reduce(1, *)).map { Float($0) * 0.5 }, shape: shape)
        }
        let path = { (name: String) in (directory as NSString).appendingPathComponent(name) }
        try stateDict.write(to: path("state_dict.safetensors"))
        try Data(Self.png).write(to: URL(fileURLWithPath: path("confusion_matrix.png")))
        try Data(Self.png).write(to: URL(fileURLWithPath: path("training_curves.png")))
        try #"{"labels": ["a", "b"], "matrix": [[3, 1], [0, 4]]}"#.write(toFile: path("confusion_matrix.json"), atomically: true, encoding: .utf8)
        try "file,label,predicted\nx.wav,a,a\n".write(toFile: path("predictions.csv"), atomically: true, encoding: .utf8)
        let artifacts = [
            ArtifactFile(localPath: path("state_dict.safetensors"), artifactPath: "model/state_dict.safetensors"),
            ArtifactFile(localPath: path("confusion_matrix.png"), artifactPath: "confusion_matrix.png"),
            ArtifactFile(localPath: path("confusion_matrix.json"), artifactPath: "confusion_matrix.json"),
            ArtifactFile(localPath: path("predictions.csv"), artifactPath: "predictions.csv"),
            ArtifactFile(localPath: path("training_curves.png"), artifactPath: "training_curves.png"),
        ]
        try tracker.jobFinished(job(model, fold, attempt: attempt), JobResult(scores: Self.scores(model, fold), artifacts: artifacts))
        try FileManager.default.removeItem(atPath: directory)
    }

    func recordJob(_ tracker: SweepTracker, _ model: String, _ fold: Int) throws {
        try recordJobStart(tracker, model, fold)
        try recordEpochs(tracker, model, fold, 1...Self.epochs)
        try recordJobFinished(tracker, model, fold)
    }

    func recordFinish(_ tracker: SweepTracker) throws {
        let directory = files.file("comparison")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let artifacts = try Self.parentArtifacts.filter { $0.hasPrefix("comparison/") }.map { artifactPath -> ArtifactFile in
            let local = (directory as NSString).appendingPathComponent((artifactPath as NSString).lastPathComponent)
            try Data(artifactPath.hasSuffix(".png") ? Self.png : Array(Self.comparisonMarkdown.utf8)).write(to: URL(fileURLWithPath: local))
            return ArtifactFile(localPath: local, artifactPath: artifactPath)
        }
        let results = Self.jobs.map { FoldResult(model: $0.model, fold: $0.fold, scores: Self.scores($0.model, $0.fold)) }
        try tracker.sweepFinished(sweepId: sweepId, SweepSummary(results: results, comparisonMarkdown: Self.comparisonMarkdown, artifacts: artifacts))
    }

    /// The whole sweep in the local sweep's order.
    func recordAll(_ tracker: SweepTracker) throws {
        try recordStart(tracker)
        for (model, fold) in Self.jobs { try recordJob(tracker, model, fold) }
        try recordFinish(tracker)
    }
}
