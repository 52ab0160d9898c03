/// Exact widening of the two 16-bit floating-point formats to Float (IEEE 754 binary32).
/// Both formats are subsets of binary32, so no value rounds: finite values, signed zeros,
/// subnormals, infinities and NaN payloads (kept as they are, never quieted) all map one to one.
enum HalfPrecision {
    /// IEEE 754 binary16 bits (1 sign, 5 exponent with bias 15, 10 mantissa bits) as a Float.
    static func float(binary16 bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1f
        let mantissa = UInt32(bits & 0x3ff)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa × 2⁻²⁴, a normal (or zero) Float, exact.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1f:
            // Infinity (mantissa 0) or NaN, payload moved to the top of Float's mantissa.
            return Float(bitPattern: sign | 0x7f80_0000 | mantissa << 13)
        default:
            // Normal: rebias the exponent from 15 to 127.
            return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
        }
    }

    /// bfloat16 bits (the upper half of a binary32) as a Float.
    static func float(bfloat16 bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }
}
