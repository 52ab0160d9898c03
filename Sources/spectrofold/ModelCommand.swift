import ArgumentParser
import Foundation
import NN
import SafeTensors
import Tensor

/// `spectrofold model summary|init|forward`: inspect a model, write fresh weights, run it.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model", abstract: "Inspect, initialise and run the four models.",
        subcommands: [Summary.self, Init.self, Forward.self])

    /// What every model subcommand needs to build the model.
    struct Options: ParsableArguments {
        @Option(help: "baseline_cnn, cnn_mlp, cnn_attention or ast.") var model: String
        @Option(help: "mini or standard.") var preset = "mini"
        @Option(help: "Number of classes.") var classes: Int
        @Option(help: "Spectrogram frames (time steps); the mel bins are 128.") var frames: Int
        @Option(help: "Metadata width (cnn_mlp).") var metadata = 0

        func build(seed: UInt64 = 0) throws -> any SpectrogramClassifier {
            try ModelFactory.make(ModelFactory.Spec(name: model, preset: preset, classes: classes, frames: frames,
                                                    metadataWidth: metadata), seed: seed)
        }
    }

    struct Summary: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a layer table with output shapes and parameter counts.")
        @OptionGroup var options: Options

        func run() throws {
            let model = try options.build()
            print(try ModelSummary.table(model, batch: 1, frames: options.frames, metadataWidth: options.metadata))
            print("model_version \(ModelFactory.versions[options.model] ?? options.model), \(model.parameterCount) parameters")
        }
    }

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write fresh weights as a safetensors state dict.")
        @OptionGroup var options: Options
        @Option(help: "Seed of the initialisation.") var seed: UInt64 = 0
        @Option(help: "Output .safetensors file.") var out: String

        func run() throws {
            let model = try options.build(seed: seed)
            try StateDict.save(model, to: out, metadata: ["format": "pt", "model_version": ModelFactory.versions[options.model] ?? ""])
            print("wrote \(out): \(model.parameterCount) parameters")
        }
    }

    struct Forward: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Eval-mode logits for the tensors x (B, 1, 128, T) [and metadata (B, K)].")
        @OptionGroup var options: Options
        @Option(help: "State dict (.safetensors).") var weights: String
        @Option(help: "Input .safetensors with x and, for cnn_mlp, metadata.") var input: String
        @Option(help: "Output .safetensors with logits (B, C).") var out: String

        func run() throws {
            let model = try options.build()
            try StateDict.load(from: weights, into: model)
            model.setTraining(false)
            let file = try SafeTensorsFile.read(contentsOf: input)
            let (x, xShape) = try file.floats(named: "x")
            let metadata = try file["metadata"].map { _ in try file.floats(named: "metadata") }
            let logits = try GradMode.withDisabled {
                try model.logits(Tensor(x, shape: xShape), metadata: metadata.map { try Tensor($0.values, shape: $0.shape) })
            }
            var output = SafeTensorsFile(metadata: ["model_version": ModelFactory.versions[options.model] ?? ""])
            output["logits"] = SafeTensor(floats: logits.scalars, shape: logits.shape)
            try output.write(to: out)
        }
    }
}
