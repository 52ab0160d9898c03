import Foundation

/// `Fixtures/optim_fixtures.json`, written by `Fixtures/make_fixtures.py` from torch.optim.
struct OptimFixtures: Decodable {
    struct Parameter: Decodable {
        let name: String
        let shape: [Int]
        let initial: [Double]
    }

    struct Step: Decodable {
        /// nil: the parameter has no gradient this step.
        let grads: [String: [Double]?]
        let params: [String: [Double]]
    }

    struct OptimizerCase: Decodable {
        struct Options: Decodable {
            let kind: String
            let lr: Double?
            let momentum: Double?
            let nesterov: Bool?
            let weight_decay: Double?
            let beta1: Double?
            let beta2: Double?
            let eps: Double?
        }
        let name: String
        let options: Options
        /// Parameter → its learning rate ÷ the base rate (param_group_fixtures.json only).
        let lr_scales: [String: Double]?
        let params: [Parameter]
        /// Step index → the learning rate set before that step.
        let lr_changes: [String: Double]
        let steps: [Step]
        let final_state: [String: [Double]]
    }

    struct PlateauCase: Decodable {
        struct Options: Decodable {
            let mode: String?
            let factor: Double?
            let patience: Int?
            let threshold: Double?
            let threshold_mode: String?
            let cooldown: Int?
            let min_lr: Double?
            let eps: Double?
        }
        let name: String
        let initial_lr: Double
        let options: Options
        /// nil stands for NaN.
        let metrics: [Double?]
        let lrs: [Double]
    }

    struct ScheduleCase: Decodable {
        struct Options: Decodable {
            let epochs: Int?
            let min_lr: Double?
            let step_size: Int?
            let gamma: Double?
        }
        let name: String
        let initial_lr: Double
        let options: Options
        let epochs: Int
        /// The learning rate of epochs 0...epochs from torch's recursive stepping.
        let stepped: [Double]
        /// The same from torch's closed form.
        let closed_form: [Double]
    }

    struct ClipCase: Decodable {
        let name: String
        let max_norm: Double
        let before: [String: [Double]?]
        let after: [String: [Double]?]
        let total_norm: Double
    }

    let optimizers: [OptimizerCase]
    let plateau: [PlateauCase]
    let cosine: [ScheduleCase]
    let step_decay: [ScheduleCase]
    let clip: [ClipCase]

    /// `Fixtures/param_group_fixtures.json` (make_param_group_fixtures.py): two parameter groups
    /// whose learning rates differ by a factor.
    static let parameterGroups: [OptimizerCase] = {
        struct File: Decodable { let optimizers: [OptimizerCase] }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/param_group_fixtures.json")
        return try! JSONDecoder().decode(File.self, from: Data(contentsOf: url)).optimizers
    }()

    static let shared: OptimFixtures = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/optim_fixtures.json")
        return try! JSONDecoder().decode(OptimFixtures.self, from: Data(contentsOf: url))
    }()
}
