import Data
import Foundation
import ModelNames
import NN
import RunRecords

/// A job or refit folder this code cannot use, naming the file and, when one is at fault, the
/// field of `spectrofold-model.json`.
public struct ModelFolderError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let field: String?
    public let message: String

    public init(_ file: String, field: String? = nil, _ message: String) {
        (self.file, self.field, self.message) = (file, field, message)
    }

    public var description: String { "\(file): " + (field.map { "field '\($0)': " } ?? "") + message }
}

/// A trained model read back from a job or refit folder (`<model>/fold-<k>/`, `<model>/refit/`,
/// or artifacts downloaded from its MLflow run): the checked card and the network holding the
/// state dict, ready to score in eval mode.
///
/// Refused, naming the file and field: a card of another format or of another architecture
/// version than this code builds, a card missing a field, and a state dict whose SHA-256 is
/// not the card's.
public struct TrainedModel {
    public let directory: String
    public let card: ModelCard
    public let network: any SpectrogramClassifier

    public init(directory: String) throws {
        let cardPath = (directory as NSString).appendingPathComponent(ModelCard.fileName)
        let card = try ModelCard.read(contentsOf: cardPath)
        let statePath = (directory as NSString).appendingPathComponent(card.stateDict.file)
        guard let bytes = FileManager.default.contents(atPath: statePath) else {
            throw ModelFolderError(statePath, "no such file (named by field 'state_dict.file' of \(cardPath))")
        }
        var hash = SHA256()
        bytes.withUnsafeBytes { hash.update($0) }
        guard hash.hexDigest == card.stateDict.sha256 else {
            throw ModelFolderError(statePath, "SHA-256 \(hash.hexDigest) differs from field 'state_dict.sha256' of \(cardPath) "
                                   + "(\(card.stateDict.sha256)): the state dict is damaged or was replaced")
        }
        let network = try ModelFactory.make(card.spec, seed: 0)
        do {
            try StateDict.load(from: statePath, into: network)
        } catch {
            throw ModelFolderError(statePath, "does not load into \(card.modelVersion) (\(card.preset)): \(error)")
        }
        self.directory = directory
        self.card = card
        self.network = network
    }
}

extension ModelCard {
    /// Reads and checks the card at `path`: its format first (another one is refused by name),
    /// then every field, then that this code builds the card's model at its version.
    public static func read(contentsOf path: String) throws -> ModelCard {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelFolderError(path, "no such file: not a job or refit folder written by this version of spectrofold")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ModelFolderError(path, "is not a JSON object")
        }
        guard let format = object["format"] as? String else { throw ModelFolderError(path, field: "format", "missing") }
        guard format == currentFormat else {
            throw ModelFolderError(path, field: "format", "'\(format)' is a layout this spectrofold cannot read (it reads '\(currentFormat)')")
        }
        if let model = object["model"] as? String, ModelName(rawValue: model) == nil {
            throw ModelFolderError(path, field: "model", "'\(model)' is not a model this spectrofold builds "
                                   + "(\(ModelName.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let card: ModelCard
        do {
            card = try JSONCoding.decode(ModelCard.self, from: data)
        } catch let error as DecodingError {
            throw Self.describe(error, path: path)
        }
        let version = card.model.version
        guard card.modelVersion == version else {
            throw ModelFolderError(path, field: "model_version", "'\(card.modelVersion)' is another architecture version than this spectrofold "
                                   + "builds (\(version)); use the spectrofold that trained it, or train again")
        }
        guard card.evaluation.clipWindows != nil else {
            throw ModelFolderError(path, field: "evaluation", "'\(card.evaluation.windows)' with hop \(card.evaluation.hopFrames) is not a windowing this spectrofold knows (center, sliding with hop_frames ≥ 1)")
        }
        let width = card.metadata.columns.count
        guard card.metadata.mean.count == width, card.metadata.scale.count == width else {
            throw ModelFolderError(path, field: "metadata", "\(width) columns but \(card.metadata.mean.count) means and \(card.metadata.scale.count) scales")
        }
        return card
    }

    /// A decoding error as the file and the snake_case path of the field at fault.
    private static func describe(_ error: DecodingError, path: String) -> ModelFolderError {
        func field(_ codingPath: [CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
                .replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case let .keyNotFound(key, context):
            return ModelFolderError(path, field: field(context.codingPath + [key]), "missing")
        case let .typeMismatch(_, context), let .valueNotFound(_, context), let .dataCorrupted(context):
            return ModelFolderError(path, field: field(context.codingPath), context.debugDescription)
        @unknown default:
            return ModelFolderError(path, "\(error)")
        }
    }
}
