// Row kernels that 4-wide vectors leave far from what the CPU can do: the softmax rows of
// attention, the exact GELU of the transformer MLP, layer norm and batch norm. Each exported function is compiled three times, for AVX-512, for
// AVX2 + FMA and for baseline x86-64, and the loader picks the one this CPU runs (target_clones,
// resolved once at start-up), so one binary uses 16-wide vectors where the CPU has them and still
// runs everywhere. The Swift targets compile for baseline x86-64 only (4-wide SSE).
#ifndef SPECTROFOLD_VECTOR_KERNELS_H
#define SPECTROFOLD_VECTOR_KERNELS_H

#include <stdint.h>
#include "ConvolutionKernels.h"
#include "OptimizerKernels.h"
#include "SmallGemmKernels.h"
#include "WinogradKernels.h"

/// y[r, :] = softmax(x[r, :]) for the `rows` contiguous rows of `n` floats; y may be x.
void vk_softmax_rows(const float *x, float *y, int64_t rows, int64_t n);

/// y[i] = x[i] · Φ(x[i]) = ½x(1 + erf(x/√2)) for i < n (exact GELU, not the tanh form).
void vk_gelu(const float *x, float *y, int64_t n);

/// gx[i] += g[i] · (Φ(x[i]) + x[i] · φ(x[i])), GELU's backward, for i < n; with `accumulate` 0,
/// gx[i] = … instead (gx's old contents are neither read nor kept).
void vk_gelu_backward(const float *x, const float *g, float *gx, int64_t n, int accumulate);

/// Layer norm of `rows` contiguous rows of `d` floats: y = (x − μ)·s·gamma + beta with μ the
/// row's mean and s = 1/√(biased variance + eps), both stored per row in `mean` and `inv_std`;
/// gamma and beta (d).
void vk_layer_norm_rows(const float *x, float *y, float *mean, float *inv_std, const float *gamma, const float *beta,
                        int64_t rows, int64_t d, float eps);

/// Layer norm's backward over `rows` rows of `d` from the output gradient g, the input x and the
/// forward's `mean` and `inv_std`: with x̂ = (x − μ)·s and dx̂ = g·gamma, adds
/// s·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) to dx (when not NULL; stores it instead with `accumulate`
/// 0), Σ g·x̂ to dgamma and Σ g to dbeta (d).
void vk_layer_norm_backward_rows(const float *g, const float *x, const float *mean, const float *inv_std, const float *gamma,
                                 int64_t rows, int64_t d, float *dx, int accumulate, float *dgamma, float *dbeta);

/// Batch norm's moments of one channel: its `batch` rows of `inner` floats start `stride` floats
/// apart from x. mean = Σx / M (M = batch·inner) and the biased variance Σ(x − mean)² / M, with
/// each row's sum in float and the rows added in double.
void vk_batch_norm_moments(const float *x, int64_t batch, int64_t stride, int64_t inner, double *mean, double *variance);

/// y = x·scale + shift over one channel's rows (as in `vk_batch_norm_moments`), and max(0, ·)
/// when `relu` is not 0.
void vk_batch_norm_apply(const float *x, float *y, int64_t batch, int64_t stride, int64_t inner, float scale, float shift,
                         int relu);

/// Σ g and Σ g·x over one channel's rows, with g taken as 0 where `relu_out` (the fused ReLU's
/// output, or NULL) is not above 0.
void vk_batch_norm_gradient_sums(const float *g, const float *x, const float *relu_out, int64_t batch, int64_t stride,
                                 int64_t inner, float *sum_g, float *sum_gx);

/// Adds a·g + b·(x − mu) + c to gx over one channel's rows (g masked by `relu_out` as above):
/// batch norm's input gradient, an affine function of g and the centred x per channel.
void vk_batch_norm_input_gradient(const float *g, const float *x, const float *relu_out, int64_t batch, int64_t stride,
                                  int64_t inner, float a, float b, float mu, float c, float *gx);

/// Max pooling of one plane x (h, w) with fixed windows (kernel kh × kw, stride sh × sw, zero
/// padding ph × pw): y (oh, ow) the window maxima and argmax the flat index r·w + c of each one's
/// first maximum in row-major order. The windows inside the plane's columns go four at a time,
/// so that four compare chains run side by side.
void vk_max_pool_plane(const float *x, int64_t h, int64_t w, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph,
                       int64_t pw, int64_t oh, int64_t ow, float *y, int32_t *argmax);

/// e^x, within 2 ulp of expf on [−87, 88]; inputs outside are clamped (e^−87.3 ≈ 1.2e−38).
/// Cody–Waite reduction x = k·ln2 + r, |r| ≤ ln2/2, a degree-6 polynomial for e^r and 2^k built
/// in the exponent bits. Branch-free, so loops over it vectorise (libm's expf is a scalar call).
static inline float vk_exp(float x) {
    float clamped = x < -87.3f ? -87.3f : (x > 88.7f ? 88.7f : x);
    // Round to nearest by adding and removing 1.5·2²³.
    float k = (clamped * 1.44269504f + 12582912.0f) - 12582912.0f;
    float r = clamped - k * 0.693359375f + k * 2.1219444e-4f;
    float p = 1.9875691e-4f;
    p = p * r + 1.3981999e-3f;
    p = p * r + 8.3334519e-3f;
    p = p * r + 4.1665796e-2f;
    p = p * r + 1.6666665e-1f;
    p = p * r + 5.0000001e-1f;
    float er = p * r * r + r + 1.0f;
    union { uint32_t bits; float value; } scale = { (uint32_t)((int32_t)k + 127) << 23 };
    return er * scale.value;
}

/// erf(x) as x·P(x²)/Q(x²) on x clamped to [−3.9, 3.9] (erf(3.9) rounds to 1 in float): ten
/// multiply-adds and a division, no exponential. Absolute error below 4.1e−7 in float32, as close
/// as Abramowitz & Stegun 7.1.26 evaluated in float32 (5.3e−7); the coefficients come from
/// scripts/numerics/fit_erf_rational.py.
static inline float vk_erf(float x) {
    float c = x < -3.9f ? -3.9f : (x > 3.9f ? 3.9f : x), t = c * c;
    float p = 2.0137126e-08f;
    p = p * t - 1.963306e-06f;
    p = p * t + 1.4074153e-04f;
    p = p * t + 3.6391222e-03f;
    p = p * t + 5.0367896e-02f;
    p = p * t + 1.9834723e-01f;
    p = p * t + 1.1283791e+00f;
    float q = 9.4215455e-04f;
    q = q * t + 1.4222298e-02f;
    q = q * t + 1.14349976e-01f;
    q = q * t + 5.091124e-01f;
    q = q * t + 1.0f;
    return c * p / q;
}

#endif
