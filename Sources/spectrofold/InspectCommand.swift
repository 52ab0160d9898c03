import ArgumentParser
import Foundation
import Training

/// `spectrofold inspect DIR`: what a job or refit folder holds, for a person or (`--json`) a script.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what a job or refit folder holds: model, preset, classes, features, scores, hashes.",
        discussion: "Loads the model as predict would (checking format, version and the state dict's SHA-256); exit 1 if that fails.")

    @Argument(help: ArgumentHelp("A job or refit folder.", valueName: "DIR")) var directory: String
    @Flag(help: "spectrofold-model.json as JSON, with the check's outcome.") var json = false

    func run() throws {
        let card = try ModelCard.read(contentsOf: (directory as NSString).appendingPathComponent(ModelCard.fileName))
        let check: String? = Result { try TrainedModel(directory: directory) }.failure.map { "\($0)" }
        if json {
            var object = try JSONSerialization.jsonObject(with: try card.encoded()) as! [String: Any]
            object["check"] = check ?? "ok"
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(describe(card, check: check))
        }
        if check != nil { throw ExitCode(1) }
    }

    private func describe(_ card: ModelCard, check: String?) -> String {
        let f = card.features, t = card.training, m = card.metadata
        let windows = card.evaluation.windows == "sliding" ? "sliding windows every \(card.evaluation.hopFrames) frames" : "the center window"
        let metadata = m.columns.isEmpty ? "none" : "\(m.columns.count) columns: " + m.columns.map(\.name).joined(separator: ", ")
        let plural = card.scores.jobs == 1 ? "" : "s"
        var lines = [
            "\(directory): \(card.job) of sweep \(card.sweep.name) (\(card.sweep.id))",
            "model       \(card.model), preset \(card.preset), \(card.modelVersion)",
            "classes     \(card.classes.count): \(card.classes.joined(separator: ", "))",
            "features    Kaldi fbank, \(f.numMelBins) mel bins, \(f.frameLengthMs) ms frames every \(f.frameShiftMs) ms at \(f.sampleRate) Hz",
            "windows     \(f.frames) frames; clips kept up to \(f.maxFrames) frames and scored by the mean of \(windows)",
            String(format: "normalise   (x − %.6g) / %.6g", card.normalization.mean, card.normalization.std),
            "metadata    " + metadata + (card.usesMetadata ? "" : " (not read by this model)"),
            "trained on  \(t.examples.fit) fit + \(t.examples.selection) selection rows, weights after \(t.epoch + 1) epochs; \(t.examples.test) rows held out",
            "scores      \(card.scores.scope) over \(card.scores.jobs) job\(plural):",
        ]
        for metric in card.scores.mean.keys.sorted() {
            let spread = card.scores.std[metric].map { String(format: " ± %.4f", $0) } ?? ""
            lines.append("  " + metric.padding(toLength: 20, withPad: " ", startingAt: 0) + String(format: " %.4f", card.scores.mean[metric]!) + spread)
        }
        lines.append("state dict  \(card.stateDict.file), SHA-256 \(card.stateDict.sha256)")
        lines.append("check       " + (check ?? "ok: the state dict matches its hash and loads into \(card.modelVersion)"))
        return lines.joined(separator: "\n")
    }
}

private extension Result {
    var failure: Failure? { if case .failure(let error) = self { return error } else { return nil } }
}
