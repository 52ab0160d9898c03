import SafeTensors

/// The storage classes torch.save names in a tensor's persistent id (`torch.FloatStorage`, …):
/// torch 2.x still writes these legacy typed-storage names, one per element type, even though
/// it keeps untyped storages in memory. They are tags for the element type, never called.
/// Every name torch defines is recognised so that an unsupported one (complex, quantised) is
/// an error naming the dtype rather than a refused global.
enum TorchStorageType: String, CaseIterable, Hashable, Sendable {
    case float = "FloatStorage"
    case half = "HalfStorage"
    case bfloat16 = "BFloat16Storage"
    case double = "DoubleStorage"
    case long = "LongStorage"
    case int = "IntStorage"
    case short = "ShortStorage"
    case char = "CharStorage"
    case byte = "ByteStorage"
    case bool = "BoolStorage"
    case complexFloat = "ComplexFloatStorage"
    case complexDouble = "ComplexDoubleStorage"
    case qUInt8 = "QUInt8Storage"
    case qInt8 = "QInt8Storage"
    case qInt32 = "QInt32Storage"
    case qUInt4x2 = "QUInt4x2Storage"
    case qUInt2x4 = "QUInt2x4Storage"

    /// The element type torch calls it, e.g. `Float` for `FloatStorage`.
    var dtypeName: String { String(rawValue.dropLast("Storage".count)) }

    /// The safetensors dtype with the same little-endian element layout; nil when the reader
    /// does not support the type.
    var elementType: SafeTensorsDType? {
        switch self {
        case .float: return .float32
        case .half: return .float16
        case .bfloat16: return .bfloat16
        case .double: return .float64
        case .long: return .int64
        case .int: return .int32
        case .short: return .int16
        case .char: return .int8
        case .byte: return .uint8
        case .bool: return .bool
        case .complexFloat, .complexDouble, .qUInt8, .qInt8, .qInt32, .qUInt4x2, .qUInt2x4: return nil
        }
    }

    /// The storage types the reader converts, for error messages.
    static var supportedNames: String {
        allCases.filter { $0.elementType != nil }.map(\.dtypeName).joined(separator: ", ")
    }
}
