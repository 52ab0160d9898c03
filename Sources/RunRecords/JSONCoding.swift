import Foundation

/// How SpectroFold writes and reads JSON: every file (results.json, spectrofold-model.json), the
/// protocol's headers and payloads, the status report, the ledger and the tracking outbox.
/// Non-finite numbers, which JSON has no literal for, are the strings "inf", "-inf" and "nan".
/// Only MLflow's REST API (protobuf JSON) spells them "Infinity", "-Infinity" and "NaN"
/// (`mlflowEncoder`); the reader takes both, so outbox rows and messages of earlier versions,
/// which used that spelling, still load.
public enum JSONCoding {
    /// An encoder writing non-finite numbers as "inf", "-inf" and "nan".
    public static func encoder(
        _ formatting: JSONEncoder.OutputFormatting = [],
        keys: JSONEncoder.KeyEncodingStrategy = .useDefaultKeys
    ) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = formatting
        encoder.keyEncodingStrategy = keys
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    /// The encoder for MLflow's REST API: non-finite numbers as protobuf JSON writes them.
    public static func mlflowEncoder(keys: JSONEncoder.KeyEncodingStrategy = .useDefaultKeys) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = keys
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }

    /// `type` from `data`, non-finite numbers spelled "inf" or, as earlier versions wrote some
    /// records, "Infinity"; a value that reads in neither spelling throws the first reading's error.
    public static func decode<T: Decodable>(
        _ type: T.Type, from data: Data,
        keys: JSONDecoder.KeyDecodingStrategy = .useDefaultKeys
    ) throws -> T {
        do {
            return try decoder(keys: keys, spelling: ("inf", "-inf", "nan")).decode(type, from: data)
        } catch let error as DecodingError {
            guard let value = try? decoder(keys: keys, spelling: ("Infinity", "-Infinity", "NaN")).decode(type, from: data) else { throw error }
            return value
        }
    }

    private static func decoder(keys: JSONDecoder.KeyDecodingStrategy, spelling: (String, String, String)) -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = keys
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: spelling.0, negativeInfinity: spelling.1, nan: spelling.2)
        return decoder
    }
}
