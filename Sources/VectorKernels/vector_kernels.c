#include "VectorKernels.h"
#include "clones.h"

// Sums and maxima in 16 lanes, combined in a fixed order: a plain `total += x[i]` loop is one
// dependent add per element (float addition is not reassociated), and the fixed order gives
// every clone the same result. Always inlined, so that each clone compiles them for its CPU.
enum { LANES = 16 };

__attribute__((always_inline)) static inline float row_maximum(const float *x, int64_t n) {
    float lanes[LANES];
    for (int l = 0; l < LANES; l++) lanes[l] = -__builtin_inff();
    int64_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int l = 0; l < LANES; l++) lanes[l] = x[i + l] > lanes[l] ? x[i + l] : lanes[l];
    float peak = lanes[0];
    for (int l = 1; l < LANES; l++) peak = lanes[l] > peak ? lanes[l] : peak;
    for (; i < n; i++) peak = x[i] > peak ? x[i] : peak;
    return peak;
}

__attribute__((always_inline)) static inline float row_sum(const float *x, int64_t n) {
    float lanes[LANES] = {0};
    int64_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int l = 0; l < LANES; l++) lanes[l] += x[i + l];
    float total = 0;
    for (int l = 0; l < LANES; l++) total += lanes[l];
    for (; i < n; i++) total += x[i];
    return total;
}

__attribute__((always_inline)) static inline float row_squared_deviations(const float *x, int64_t n, float mean) {
    float lanes[LANES] = {0};
    int64_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int l = 0; l < LANES; l++) lanes[l] += (x[i + l] - mean) * (x[i + l] - mean);
    float total = 0;
    for (int l = 0; l < LANES; l++) total += lanes[l];
    for (; i < n; i++) total += (x[i] - mean) * (x[i] - mean);
    return total;
}

VK_CLONES
void vk_softmax_rows(const float *x, float *y, int64_t rows, int64_t n) {
    for (int64_t r = 0; r < rows; r++) {
        const float *in = x + r * n;
        float *out = y + r * n;
        float peak = row_maximum(in, n);
        // Element i is read before it is written, so in place (y = x) is safe. 8 lanes and a
        // scalar tail: masking every vector of a predicated 16-lane loop made AVX2's masked loads
        // and stores 3.6× slower on the attention rows (110 tokens, one thread).
#pragma clang loop vectorize(assume_safety) vectorize_width(8)
        for (int64_t i = 0; i < n; i++) out[i] = vk_exp(in[i] - peak);
        float scale = 1.0f / row_sum(out, n);
#pragma clang loop vectorize_width(8)
        for (int64_t i = 0; i < n; i++) out[i] *= scale;
    }
}

VK_CLONES
void vk_gelu(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        float v = x[i];
        y[i] = 0.5f * v * (1.0f + vk_erf(v * 0.70710678f));
    }
}

/// GELU's derivative Φ(v) + v·φ(v).
__attribute__((always_inline)) static inline float gelu_slope(float v) {
    return 0.5f * (1.0f + vk_erf(v * 0.70710678f)) + v * 0.39894228f * vk_exp(-0.5f * v * v);
}

VK_CLONES
void vk_gelu_backward(const float *x, const float *g, float *gx, int64_t n, int accumulate) {
    if (accumulate)
        for (int64_t i = 0; i < n; i++) gx[i] += g[i] * gelu_slope(x[i]);
    else
        for (int64_t i = 0; i < n; i++) gx[i] = g[i] * gelu_slope(x[i]);
}

VK_CLONES
void vk_layer_norm_rows(const float *x, float *y, float *mean, float *inv_std, const float *gamma, const float *beta,
                        int64_t rows, int64_t d, float eps) {
    for (int64_t r = 0; r < rows; r++) {
        const float *in = x + r * d;
        float *out = y + r * d;
        float mu = row_sum(in, d) / (float)d;
        float s = 1.0f / __builtin_sqrtf(row_squared_deviations(in, d, mu) / (float)d + eps);
        mean[r] = mu;
        inv_std[r] = s;
        for (int64_t j = 0; j < d; j++) out[j] = (in[j] - mu) * s * gamma[j] + beta[j];
    }
}

VK_CLONES
void vk_layer_norm_backward_rows(const float *g, const float *x, const float *mean, const float *inv_std, const float *gamma,
                                 int64_t rows, int64_t d, float *dx, int accumulate, float *dgamma, float *dbeta) {
    for (int64_t r = 0; r < rows; r++) {
        const float *gr = g + r * d, *xr = x + r * d;
        float mu = mean[r], s = inv_std[r];
        float dxhat_lanes[LANES] = {0}, product_lanes[LANES] = {0};
        int64_t i = 0;
        for (; i + LANES <= d; i += LANES)
            for (int l = 0; l < LANES; l++) {
                float xhat = (xr[i + l] - mu) * s, dxhat = gr[i + l] * gamma[i + l];
                dxhat_lanes[l] += dxhat;
                product_lanes[l] += dxhat * xhat;
            }
        float mean_dxhat = 0, mean_product = 0;
        for (int l = 0; l < LANES; l++) {
            mean_dxhat += dxhat_lanes[l];
            mean_product += product_lanes[l];
        }
        for (; i < d; i++) {
            float xhat = (xr[i] - mu) * s, dxhat = gr[i] * gamma[i];
            mean_dxhat += dxhat;
            mean_product += dxhat * xhat;
        }
        mean_dxhat /= (float)d;
        mean_product /= (float)d;
        for (int64_t j = 0; j < d; j++) {
            float xhat = (xr[j] - mu) * s;
            dgamma[j] += gr[j] * xhat;
            dbeta[j] += gr[j];
        }
        if (!dx) continue;
        float *dxr = dx + r * d;
        for (int64_t j = 0; j < d; j++)
            dxr[j] = (accumulate ? dxr[j] : 0.0f) + s * (gr[j] * gamma[j] - mean_dxhat - (xr[j] - mu) * s * mean_product);
    }
}

VK_CLONES
void vk_batch_norm_moments(const float *x, int64_t batch, int64_t stride, int64_t inner, double *mean, double *variance) {
    double sum = 0, squares = 0;
    for (int64_t n = 0; n < batch; n++) sum += row_sum(x + n * stride, inner);
    double count = (double)(batch * inner);
    float mu = (float)(sum / count);
    for (int64_t n = 0; n < batch; n++) squares += row_squared_deviations(x + n * stride, inner, mu);
    *mean = sum / count;
    *variance = squares / count;
}

VK_CLONES
void vk_batch_norm_apply(const float *x, float *y, int64_t batch, int64_t stride, int64_t inner, float scale, float shift,
                         int relu) {
    for (int64_t n = 0; n < batch; n++) {
        const float *in = x + n * stride;
        float *out = y + n * stride;
        if (relu) {
            for (int64_t i = 0; i < inner; i++) {
                float v = in[i] * scale + shift;
                out[i] = v > 0 ? v : 0;
            }
        } else {
            for (int64_t i = 0; i < inner; i++) out[i] = in[i] * scale + shift;
        }
    }
}

// Σ g and Σ g·x over one row, g counted as 0 where `open` (the fused ReLU's output) is not above 0.
__attribute__((always_inline)) static inline void row_gradient_sums(const float *g, const float *x, const float *open, int64_t n,
                                                                    float *sum_g, float *sum_gx) {
    float g_lanes[LANES] = {0}, gx_lanes[LANES] = {0};
    int64_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int l = 0; l < LANES; l++) {
            float gv = open ? (open[i + l] > 0 ? g[i + l] : 0) : g[i + l];
            g_lanes[l] += gv;
            gx_lanes[l] += gv * x[i + l];
        }
    for (int l = 0; l < LANES; l++) {
        *sum_g += g_lanes[l];
        *sum_gx += gx_lanes[l];
    }
    for (; i < n; i++) {
        float gv = open ? (open[i] > 0 ? g[i] : 0) : g[i];
        *sum_g += gv;
        *sum_gx += gv * x[i];
    }
}

VK_CLONES
void vk_batch_norm_gradient_sums(const float *g, const float *x, const float *relu_out, int64_t batch, int64_t stride,
                                 int64_t inner, float *sum_g, float *sum_gx) {
    float total_g = 0, total_gx = 0;
    // Two call sites, so that each inlined copy knows whether there is a mask.
    for (int64_t n = 0; n < batch; n++) {
        if (relu_out)
            row_gradient_sums(g + n * stride, x + n * stride, relu_out + n * stride, inner, &total_g, &total_gx);
        else
            row_gradient_sums(g + n * stride, x + n * stride, 0, inner, &total_g, &total_gx);
    }
    *sum_g = total_g;
    *sum_gx = total_gx;
}

VK_CLONES
void vk_batch_norm_input_gradient(const float *g, const float *x, const float *relu_out, int64_t batch, int64_t stride,
                                  int64_t inner, float a, float b, float mu, float c, float *gx) {
    for (int64_t n = 0; n < batch; n++) {
        const float *gr = g + n * stride, *xr = x + n * stride;
        float *out = gx + n * stride;
        if (relu_out) {
            const float *yr = relu_out + n * stride;
            for (int64_t i = 0; i < inner; i++) out[i] += a * (yr[i] > 0 ? gr[i] : 0) + b * (xr[i] - mu) + c;
        } else {
            for (int64_t i = 0; i < inner; i++) out[i] += a * gr[i] + b * (xr[i] - mu) + c;
        }
    }
}

// The maximum of rows r0 ..< r1 × columns c0 ..< c1 of x (rows of w), and where it is.
static inline __attribute__((always_inline)) void vk_window_max(const float *x, int64_t w, int64_t r0, int64_t r1,
                                                                int64_t c0, int64_t c1, float *best, int32_t *at) {
    float b = -__builtin_inff();
    int32_t a = (int32_t)(r0 * w + c0);
    for (int64_t r = r0; r < r1; r++) {
        for (int64_t c = c0; c < c1; c++) {
            // Selects rather than branches: which element wins is unpredictable.
            const float value = x[r * w + c];
            const int wins = value > b;
            b = wins ? value : b;
            a = wins ? (int32_t)(r * w + c) : a;
        }
    }
    *best = b;
    *at = a;
}

enum { POOL_CHAINS = 4 };

VK_CLONES
void vk_max_pool_plane(const float *x, int64_t h, int64_t w, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph,
                       int64_t pw, int64_t oh, int64_t ow, float *y, int32_t *argmax) {
    // Output columns whose window lies inside the plane's columns: j·sw − pw ≥ 0 and
    // j·sw − pw + kw ≤ w.
    int64_t inside_end = w - kw + pw < 0 ? 0 : (w - kw + pw) / sw + 1;
    inside_end = inside_end < ow ? inside_end : ow;
    int64_t inside_start = (pw + sw - 1) / sw;
    inside_start = inside_start < inside_end ? inside_start : inside_end;
    for (int64_t i = 0; i < oh; i++) {
        const int64_t r0 = i * sh - ph < 0 ? 0 : i * sh - ph;
        const int64_t r1 = i * sh - ph + kh > h ? h : i * sh - ph + kh;
        float *out = y + i * ow;
        int32_t *where = argmax + i * ow;
        int64_t j = 0;
        for (; j < inside_start; j++) {
            const int64_t c0 = j * sw - pw < 0 ? 0 : j * sw - pw, c1 = j * sw - pw + kw > w ? w : j * sw - pw + kw;
            vk_window_max(x, w, r0, r1, c0, c1, out + j, where + j);
        }
        for (; j + POOL_CHAINS <= inside_end; j += POOL_CHAINS) {
            float b[POOL_CHAINS];
            int32_t a[POOL_CHAINS];
            for (int t = 0; t < POOL_CHAINS; t++) {
                b[t] = -__builtin_inff();
                a[t] = (int32_t)(r0 * w + (j + t) * sw - pw);
            }
            for (int64_t r = r0; r < r1; r++) {
                const float *row = x + r * w + j * sw - pw;
                for (int64_t kj = 0; kj < kw; kj++) {
                    for (int t = 0; t < POOL_CHAINS; t++) {
                        const float value = row[t * sw + kj];
                        const int wins = value > b[t];
                        b[t] = wins ? value : b[t];
                        a[t] = wins ? (int32_t)(r * w + (j + t) * sw - pw + kj) : a[t];
                    }
                }
            }
            for (int t = 0; t < POOL_CHAINS; t++) {
                out[j + t] = b[t];
                where[j + t] = a[t];
            }
        }
        for (; j < ow; j++) {
            const int64_t c0 = j * sw - pw < 0 ? 0 : j * sw - pw, c1 = j * sw - pw + kw > w ? w : j * sw - pw + kw;
            vk_window_max(x, w, r0, r1, c0, c1, out + j, where + j);
        }
    }
}
