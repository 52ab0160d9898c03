import Foundation

/// A safetensors file (https://huggingface.co/docs/safetensors): an 8-byte little-endian header
/// length, a JSON header naming each tensor's dtype, shape and byte range, then the raw bytes.
/// SpectroFold writes state dicts and feature packs in this format so that Python's
/// `safetensors` reads them as they are.
///
/// ```swift
/// var file = SafeTensorsFile(metadata: ["format": "pt"])
/// file["fc.weight"] = SafeTensor(floats: weights, shape: [10, 512])
/// try file.write(to: "state_dict.safetensors")
/// let back = try SafeTensorsFile.read(contentsOf: "state_dict.safetensors")
/// let w = try back.tensor(named: "fc.weight").floats()
/// ```
public struct SafeTensorsFile: Sendable {
    /// String-to-string metadata stored under the header's `__metadata__` key.
    public var metadata: [String: String]
    /// Tensor names in the order they were added (or stored, for a file that was read).
    public private(set) var names: [String] = []
    /// Where the file came from (its path once read), named in errors.
    public private(set) var source = "<memory>"
    private var tensors: [String: SafeTensor] = [:]

    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// The tensor stored under `name`; assigning appends a new name or replaces the tensor.
    public subscript(name: String) -> SafeTensor? {
        get { tensors[name] }
        set {
            if newValue == nil {
                names.removeAll { $0 == name }
            } else if tensors[name] == nil {
                names.append(name)
            }
            tensors[name] = newValue
        }
    }

    /// The tensor stored under `name`, or an error naming the file and the missing key.
    public func tensor(named name: String) throws -> SafeTensor {
        guard let tensor = tensors[name] else {
            throw SafeTensorsError(source: source, reason: "no tensor named '\(name)' (has: \(names.joined(separator: ", ")))")
        }
        return tensor
    }

    /// The elements of the F32 (or F64) tensor `name`, with its shape.
    public func floats(named name: String) throws -> (values: [Float], shape: [Int]) {
        let tensor = try tensor(named: name)
        guard let values = tensor.floats() else {
            throw SafeTensorsError(source: source, reason: "'\(name)' is \(tensor.dtype.rawValue) \(tensor.shape), expected F32")
        }
        return (values, tensor.shape)
    }

    /// The elements of the integer tensor `name` widened to Int64, with its shape.
    public func int64s(named name: String) throws -> (values: [Int64], shape: [Int]) {
        let tensor = try tensor(named: name)
        guard let values = tensor.int64s() else {
            throw SafeTensorsError(source: source, reason: "'\(name)' is \(tensor.dtype.rawValue) \(tensor.shape), expected an integer dtype")
        }
        return (values, tensor.shape)
    }

    // MARK: - Reading

    /// Reads and validates the file at `path`.
    public static func read(contentsOf path: String) throws -> SafeTensorsFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SafeTensorsError(source: path, reason: "cannot read the file (missing or unreadable)")
        }
        return try decode([UInt8](data), source: path)
    }

    /// Decodes a whole file held in memory; `source` names it in errors.
    public static func decode(_ bytes: [UInt8], source: String) throws -> SafeTensorsFile {
        func fail(_ reason: String) -> SafeTensorsError { SafeTensorsError(source: source, reason: reason) }
        guard bytes.count >= 8 else { throw fail("file is \(bytes.count) bytes, shorter than the 8-byte header length") }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw fail("header length \(headerLength) exceeds the file size \(bytes.count)")
        }
        let bufferStart = 8 + Int(headerLength)
        let headerJSON = Data(bytes[8..<bufferStart])
        guard let header = (try? JSONSerialization.jsonObject(with: headerJSON)) as? [String: Any] else {
            throw fail("header is not a JSON object")
        }

        var file = SafeTensorsFile()
        file.source = source
        if let meta = header["__metadata__"] {
            guard let meta = meta as? [String: String] else { throw fail("__metadata__ must map strings to strings") }
            file.metadata = meta
        }
        var ranges: [(name: String, begin: Int, end: Int)] = []
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value as? [String: Any],
                  let dtypeName = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int],
                  let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
            else { throw fail("entry '\(name)' lacks dtype, shape or data_offsets") }
            guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
                throw fail("entry '\(name)' has unsupported dtype \(dtypeName)")
            }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("entry '\(name)' has a negative dimension in \(shape)") }
            let (begin, end) = (offsets[0], offsets[1])
            guard let expected = SafeTensor.byteCount(of: shape, dtype) else {
                throw fail("entry '\(name)': the size of \(dtypeName) \(shape) overflows a 64-bit count")
            }
            guard begin >= 0, end >= begin, end <= bytes.count - bufferStart else {
                throw fail("entry '\(name)' has data_offsets [\(begin), \(end)] outside the \(bytes.count - bufferStart)-byte buffer")
            }
            guard end - begin == expected else {
                throw fail("entry '\(name)' holds \(end - begin) bytes but \(dtypeName) \(shape) needs \(expected)")
            }
            ranges.append((name, begin, end))
            let payload = [UInt8](bytes[(bufferStart + begin)..<(bufferStart + end)])
            file.tensors[name] = SafeTensor(dtype: dtype, shape: shape, bytes: payload)
        }
        ranges.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var cursor = 0
        for range in ranges {
            guard range.begin == cursor else { throw fail("entry '\(range.name)' does not start where the previous one ends (byte \(cursor))") }
            cursor = range.end
        }
        file.names = ranges.map(\.name)
        return file
    }

    // MARK: - Writing

    /// The file's bytes: the header (padded with spaces to a multiple of 8) and the tensors in `names` order.
    public func encoded() throws -> [UInt8] {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for name in names {
            let tensor = tensors[name]!
            header[name] = ["dtype": tensor.dtype.rawValue, "shape": tensor.shape, "data_offsets": [offset, offset + tensor.bytes.count]]
            offset += tensor.bytes.count
        }
        var headerBytes = [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes]))
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }

        var out: [UInt8] = []
        out.reserveCapacity(8 + headerBytes.count + offset)
        let length = UInt64(headerBytes.count)
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: length >> (8 * UInt64(i)))) }
        out += headerBytes
        for name in names { out += tensors[name]!.bytes }
        return out
    }

    /// Writes the file atomically (a temporary file renamed over `path`).
    public func write(to path: String) throws {
        let bytes = try encoded()
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw SafeTensorsError(source: path, reason: "cannot write: \(error.localizedDescription)")
        }
    }
}

/// A malformed, unreadable or incomplete safetensors file; `source` names the file.
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable {
    public let source: String
    public let reason: String

    public init(source: String, reason: String) {
        self.source = source
        self.reason = reason
    }

    public var description: String { "\(source): \(reason)" }
}
