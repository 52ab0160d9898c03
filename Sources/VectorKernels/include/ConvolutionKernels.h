// The register-blocked core of a stride-1 convolution computed directly on zero-bordered planes
// (no column matrix); Sources/Tensor/StrideOneConvolution.swift lays the planes out.
#ifndef SPECTROFOLD_CONVOLUTION_KERNELS_H
#define SPECTROFOLD_CONVOLUTION_KERNELS_H

#include <stdint.h>

/// Output channels per block of `vk_conv_stride1`'s packed weights.
enum { VK_CONV_CHANNEL_BLOCK = 8 };
/// Positions per step of `vk_conv_stride1`: `positions` must be a multiple of it.
enum { VK_CONV_POSITION_BLOCK = 32 };

/// y[o·y_stride + t] = Σ_c Σ_ki Σ_kj w[o, c, ki, kj] · x[c·x_stride + t + ki·row + kj] for
/// o < out_channels (a multiple of 8) and t < positions (a multiple of 32): a stride-1
/// cross-correlation over planes that are `row` floats wide, with output position t on the same
/// grid as the input. `packed` holds w (out_channels, channels, kh, kw) as
/// (out_channels / 8, channels, kh·kw, 8): the 8 weights of one block and tap side by side.
/// Reads x up to t + (kh − 1)·row + kw − 1 for the last t.
void vk_conv_stride1(const float *x, int64_t x_stride, int64_t channels, int64_t row, int64_t kh, int64_t kw,
                     const float *packed, int64_t out_channels, float *y, int64_t y_stride, int64_t positions);

/// The weight gradient of `vk_conv_stride1` over one sample: dw[(tap·out_channels + o)·channels + c]
/// += Σ_{t < positions} dy[o·dy_stride + t] · x[c·x_stride + t + ki·row + kj] for tap = ki·kw + kj,
/// o < out_channels (a multiple of 4) and positions a multiple of 8. Each sum runs in 8 lanes
/// over t and adds its lanes in a fixed order: the same result whatever the thread count.
void vk_conv_stride1_weight_gradient(const float *dy, int64_t dy_stride, int64_t out_channels, const float *x,
                                     int64_t x_stride, int64_t channels, int64_t row, int64_t kh, int64_t kw,
                                     int64_t positions, float *dw);

#endif
