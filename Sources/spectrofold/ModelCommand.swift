import ArgumentParser
import Checkpoint
import Foundation
import ModelNames
import NN
import Pretrained
import SafeTensors
import Tensor

/// `spectrofold model summary|init|import|forward`: inspect a model, write fresh or pretrained
/// weights, run it.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model", abstract: "Inspect, initialise and run the four models.",
        subcommands: [Summary.self, Init.self, Import.self, Forward.self])

    /// What every model subcommand needs to build the model.
    struct Options: ParsableArguments {
        @Option(help: "baseline_cnn, cnn_mlp, cnn_attention or ast.") var model: ModelName
        @Option(help: "mini or standard (ast also small or base).") var preset = "mini"
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
            print("model_version \(options.model.version), \(model.parameterCount) parameters")
        }
    }

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write fresh weights as a safetensors state dict.")
        @OptionGroup var options: Options
        @Option(help: "Seed of the initialisation.") var seed: UInt64 = 0
        @Option(help: "Output .safetensors file.") var out: String

        func run() throws {
            let model = try options.build(seed: seed)
            try StateDict.save(model, to: out, metadata: ["format": "pt", "model_version": options.model.version])
            print("wrote \(out): \(model.parameterCount) parameters")
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start the model from a pretrained checkpoint and write the adapted state dict (our keys).",
            discussion: """
            Layouts: torchvision_resnet (ImageNet ResNet-18 into baseline_cnn, cnn_mlp, cnn_attention at preset standard),
            timm_vit (DeiT / ViT into ast), ast_audioset (AST's own checkpoints), hf_ast (Hugging Face ASTForAudioClassification).
            Tensors the checkpoint lacks or whose class count differs start fresh from --seed; the report says which.
            """)
        @OptionGroup var options: Options
        @Option(help: "The checkpoint: a torch.save file (.pth, .pt, .bin), a .safetensors file, or a Hugging Face folder.") var from: String
        @Option(help: "auto (from the keys) or a layout name.") var format = "auto"
        @Option(help: "Seed of the tensors that start fresh.") var seed: UInt64 = 0
        @Option(help: "Output .safetensors file.") var out: String

        func run() throws {
            let layout = CheckpointLayout(rawValue: format)
            guard format == "auto" || layout != nil else {
                throw ValidationError("--format \(format): unknown layout (known: auto, \(CheckpointLayout.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            let checkpoint = try CheckpointFile.read(contentsOf: from)
            let model = try options.build(seed: seed)
            let report = try PretrainedImport.start(model, modelName: options.model, from: checkpoint, layout: layout)
            try StateDict.save(model, to: out, metadata: ["format": "pt", "model_version": options.model.version,
                                                          "init_layout": report.layout.rawValue])
            print(report)
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
            var output = SafeTensorsFile(metadata: ["model_version": options.model.version])
            output["logits"] = SafeTensor(floats: logits.scalars, shape: logits.shape)
            try output.write(to: out)
        }
    }
}
