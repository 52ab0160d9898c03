import Foundation

/// The element types SpectroFold reads and writes, named as in the safetensors header.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case float32 = "F32"
    case float64 = "F64"
    /// IEEE 754 binary16 (half precision).
    case float16 = "F16"
    /// bfloat16: the upper 16 bits of an IEEE 754 binary32.
    case bfloat16 = "BF16"
    case int64 = "I64"
    case int32 = "I32"
    case int16 = "I16"
    case int8 = "I8"
    case uint8 = "U8"
    case bool = "BOOL"

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
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

    /// `bytes` must hold exactly a `dtype` tensor of `shape` (no negative extents).
    public init(dtype: SafeTensorsDType, shape: [Int], bytes: [UInt8]) {
        precondition(shape.allSatisfy { $0 >= 0 } && Self.byteCount(of: shape, dtype) == bytes.count,
                     "SafeTensor: \(bytes.count) bytes do not hold \(dtype.rawValue) \(shape)")
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// The bytes a tensor of `shape` and `dtype` takes, or nil when a running product
    /// overflows an Int (`count` multiplies the dimensions in the same order).
    static func byteCount(of shape: [Int], _ dtype: SafeTensorsDType) -> Int? {
        var total = dtype.byteCount
        for dimension in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            total = product
        }
        return total
    }

    /// An F32 tensor; `values.count` must equal the product of `shape`.
    public init(floats values: [Float], shape: [Int]) {
        self.init(dtype: .float32, shape: shape, bytes: Self.rawBytes(of: values))
    }

    /// An I64 tensor; `values.count` must equal the product of `shape`.
    public init(int64s values: [Int64], shape: [Int]) {
        self.init(dtype: .int64, shape: shape, bytes: Self.rawBytes(of: values))
    }

    /// The elements of a floating-point tensor as Float: F32 as stored, F16 and BF16 exactly
    /// (every value, subnormals, infinities and NaN payloads included, has an equal Float), F64
    /// rounded to nearest; nil for integer dtypes.
    public func floats() -> [Float]? {
        switch dtype {
        case .float32: return elements(as: Float.self)
        case .float64: return elements(as: Double.self).map { Float($0) }
        case .float16: return elements(as: UInt16.self).map(HalfPrecision.float(binary16:))
        case .bfloat16: return elements(as: UInt16.self).map(HalfPrecision.float(bfloat16:))
        default: return nil
        }
    }

    /// The elements of an integer tensor (I64, I32, I16, I8, U8 or BOOL) widened to Int64; nil for floats.
    public func int64s() -> [Int64]? {
        switch dtype {
        case .int64: return elements(as: Int64.self)
        case .int32: return elements(as: Int32.self).map { Int64($0) }
        case .int16: return elements(as: Int16.self).map { Int64($0) }
        case .int8: return elements(as: Int8.self).map { Int64($0) }
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
