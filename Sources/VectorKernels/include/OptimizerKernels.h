// The element-wise update of Adam and AdamW; Sources/Optim/Adam.swift computes the scalars and
// splits the parameters over the loop threads.
#ifndef SPECTROFOLD_OPTIMIZER_KERNELS_H
#define SPECTROFOLD_OPTIMIZER_KERNELS_H

#include <stdint.h>

/// One parameter's Adam step, as `torch.optim.Adam` and `AdamW` round it in Float32, for i < n:
///
///     p = p · shrink                                   (AdamW's decoupled decay; 1 for Adam)
///     d = fma(coupled_decay, p, g)                     (Adam's L2 decay; 0 for AdamW)
///     m = fma(one_minus_beta1, d − m, m)               (lerp)
///     v = fma(one_minus_beta2 · d, d, v · beta2)       (addcmul)
///     p = p + step_size · m / (√v / correction2_root + eps)   (addcdiv; step_size = −lr / (1 − β₁ᵗ))
///
/// with single-rounding fused multiply-adds and no other contraction, so every clone gives the
/// same result.
void vk_adam_update(float *p, const float *g, float *m, float *v, int64_t n, float shrink, float coupled_decay,
                    float one_minus_beta1, float beta2, float one_minus_beta2, float eps, float step_size,
                    float correction2_root);

#endif
