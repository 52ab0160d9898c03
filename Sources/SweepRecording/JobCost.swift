import Training

/// A planned job's expected cost before anything has run, in cost units: one unit is the
/// training of one 100-frame example by `baseline_cnn` at its mini preset (about 1 ms of one
/// core on the 2-core development machine). Only the ratios between jobs matter: the ledger
/// turns units into seconds with the sweep's own finished jobs (`JobDurations`).
public enum JobCost {
    /// Cost units per training example of 100 frames, by "model/preset". The mini presets'
    /// ratios are the demo sweep's measured seconds per epoch (README, "Benchmarks"); the larger
    /// presets scale by their multiply-adds per example (ResNet-18 at 4× the width: 16×; AST-tiny
    /// 27× AST-mini, small 4× tiny, base 16× tiny).
    static let unitsPerExample: [String: Double] = [
        "baseline_cnn/mini": 1.0, "cnn_mlp/mini": 1.0, "cnn_attention/mini": 1.12, "ast/mini": 0.92,
        "baseline_cnn/standard": 16, "cnn_mlp/standard": 16, "cnn_attention/standard": 18,
        "ast/standard": 25, "ast/small": 100, "ast/base": 400,
    ]

    /// Scoring an example (a forward pass) against training it (forward and backward).
    static let scoringShare = 1.0 / 3

    /// The units of `job`: its model and preset's units per example × frames / 100 × (epochs ×
    /// (fit examples + a scored selection) + the held-out scoring once). A model or preset not
    /// in the table counts as `baseline_cnn/mini`.
    public static func estimate(_ job: SweepPlan.PlannedJob) -> Double {
        let weight = unitsPerExample["\(job.model)/\(job.params["preset"] ?? "mini")"] ?? 1
        let epochs = Double(job.params["epochs"].flatMap { Int($0) } ?? 1)
        let frames = Double(job.params["frames"].flatMap { Int($0) } ?? 100) / 100
        let epoch = Double(job.examples.fit) + scoringShare * Double(job.examples.selection)
        return weight * frames * (epochs * epoch + scoringShare * Double(job.examples.test))
    }
}
