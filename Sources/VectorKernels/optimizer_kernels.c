#include "VectorKernels.h"
#include "clones.h"

// Contraction off: the fused multiply-adds are the explicit ones, in every clone (baseline x86-64
// has no FMA instruction; there `__builtin_fmaf` is libm's exact fmaf).
#pragma clang fp contract(off)

VK_CLONES
void vk_adam_update(float *p, const float *g, float *m, float *v, int64_t n, float shrink, float coupled_decay,
                    float one_minus_beta1, float beta2, float one_minus_beta2, float eps, float step_size,
                    float correction2_root) {
    for (int64_t i = 0; i < n; i++) {
        float pi = p[i] * shrink;
        float d = __builtin_fmaf(coupled_decay, pi, g[i]);
        float mi = __builtin_fmaf(one_minus_beta1, d - m[i], m[i]);
        float vi = __builtin_fmaf(one_minus_beta2 * d, d, v[i] * beta2);
        float denominator = __builtin_elementwise_sqrt(vi) / correction2_root + eps;
        p[i] = pi + step_size * mi / denominator;
        m[i] = mi;
        v[i] = vi;
    }
}
