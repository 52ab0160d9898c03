import SafeTensors

extension SafeTensor {
    /// The tensor as a checkpoint hands it out: floating-point dtypes (F16, BF16, F64) as F32,
    /// integer dtypes (I32, I16, I8, U8, BOOL) as I64; F32 and I64 as they are.
    func widenedForCheckpoint() -> SafeTensor {
        switch dtype {
        case .float32, .int64:
            return self
        case .float64, .float16, .bfloat16:
            return SafeTensor(floats: floats()!, shape: shape)
        case .int32, .int16, .int8, .uint8, .bool:
            return SafeTensor(int64s: int64s()!, shape: shape)
        }
    }
}
