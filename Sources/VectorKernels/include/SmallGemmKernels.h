// The products of attention, one (clip, head) pair at a time: (N, dₕ)·(dₕ, N) and
// (N, N)·(N, dₕ) with N tokens and dₕ = 16 to 64 features. OpenBLAS runs them at under half of
// what it reaches on large products (its packing, edge handling and call cost are paid per pair);
// this kernel packs one operand into 16-column panels and keeps a 6 × 16 tile in registers.
#ifndef SPECTROFOLD_SMALL_GEMM_KERNELS_H
#define SPECTROFOLD_SMALL_GEMM_KERNELS_H

#include <stdint.h>

/// Columns per panel of `vk_small_gemm`'s packed B.
enum { VK_SMALL_GEMM_PANEL = 16 };

/// C[i·ldc + j] = alpha · Σ_s A(i, s) · B(s, j) (+ C[i·ldc + j] when `accumulate` is not 0) for
/// i < m, j < n, s < k, with A(i, s) = a[i·a_row + s·a_column] and B(s, j) = b[s·b_row + j·b_column]:
/// either operand transposed or not by its strides. `packed` is scratch for k · ⌈n/16⌉ · 16 floats
/// (B in panels of 16 columns, zero-padded); C must not overlap A, B or `packed`. The
/// `upcoming_count` floats from `upcoming` (the next product's operands, or NULL and 0) are
/// brought into cache a few lines at a time while this product runs.
void vk_small_gemm(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t a_row, int64_t a_column,
                   const float *b, int64_t b_row, int64_t b_column, int accumulate, float *c, int64_t ldc,
                   float *packed, const float *upcoming, int64_t upcoming_count);

#endif
