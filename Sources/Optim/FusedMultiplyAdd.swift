/// a · b + c with a single rounding to Float32, as the fused multiply-adds of PyTorch's CPU
/// kernels compute it: the product of two Float32 values is exact in Double, the sum is rounded
/// to Double and then to Float32 (the two roundings differ from one only when the first lands on
/// a Float32 tie, which does not happen for these magnitudes in practice). Unlike
/// `Float.addingProduct`, which is a libm call on a baseline x86-64 target, this vectorises.
@inline(__always)
func fusedMultiplyAdd(_ a: Float, _ b: Float, _ c: Float) -> Float {
    Float(Double(a) * Double(b) + Double(c))
}
