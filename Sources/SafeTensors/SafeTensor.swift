import Foundation

/// The element types SpectroFold reads and writes, named as in the safetensors header.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case float32 = "F32"
    case float64 = "F64"
    case int64 = "I64"
    case int32 = "I32"
    case uint8 = "U8"
    case bool = "BOOL"

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .uint8, .bool: return 1
        }
    }
}

/// One tensor of a safetensors file: dtype, shape (row-major) and little-endian bytes.
public struct SafeTensor: Sendable, Equatable {
    public let dtype: SafeTensorsDType
    public let shape: [Int]
    public let bytes: [UInt8]

    /// Number of elements (the product of `shape`; 1 for a scalar).
    public var count: Int { shape.reduce(1, *) }

    public init(dtype: SafeTensorsDType, shape: [Int], bytes: [UInt8]) {
        precondition(bytes.count == shape.reduce(1, *) * dtype.byteCount,
                     "SafeTensor: \(bytes.count) bytes do not hold \(dtype.rawValue) \(shape)")
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// An F32 tensor; `values.count` must equal the product of `shape`.
    public init(floats values: [Float], shape: [Int]) {
        self.init(dtype: .float32, shape: shape, bytes: Self.rawBytes(of: values))
    }

    /// An I64 tensor; `values.count` must equal the product of `shape`.
    public init(int64s values: [Int64], shape: [Int]) {
        self.init(dtype: .int64, shape: shape, bytes: Self.rawBytes(of: values))
    }

    /// The elements of an F32 tensor (an F64 tensor rounded to Float); nil for other dtypes.
    public func floats() -> [Float]? {
        switch dtype {
        case .float32: return elements(as: Float.self)
        case .float64: return elements(as: Double.self).map { Float($0) }
        default: return nil
        }
    }

    /// The elements of an integer tensor (I64, I32, U8 or BOOL) widened to Int64; nil for floats.
    public func int64s() -> [Int64]? {
        switch dtype {
        case .int64: return elements(as: Int64.self)
        case .int32: return elements(as: Int32.self).map { Int64($0) }
        case .uint8, .bool: return bytes.map { Int64($0) }
        default: return nil
        }
    }

    private func elements<T>(as type: T.Type) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                if count > 0 { memcpy(buffer.baseAddress!, raw.baseAddress!, count * MemoryLayout<T>.stride) }
            }
            initialized = count
        }
    }

    private static func rawBytes<T>(of values: [T]) -> [UInt8] {
        values.withUnsafeBytes { [UInt8]($0) }
    }
}
