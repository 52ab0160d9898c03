#include "ConvolutionKernels.h"
#include "clones.h"
#include "vectors.h"

// 16 floats, one AVX-512 register (two AVX2 registers, four SSE ones in the other clones). The
// unaligned, aliasing variant reads and writes plain float arrays in place; macros rather than
// functions, since a function taking a 64-byte vector has a different ABI in each clone.
typedef float vk_f16 __attribute__((vector_size(64)));
typedef float vk_f16_unaligned __attribute__((vector_size(64), aligned(4), may_alias));
#define VK_LOAD16(p) (*(const vk_f16_unaligned *)(p))
#define VK_STORE16(p, v) (*(vk_f16_unaligned *)(p) = (v))

// One block of 8 output channels × 32 positions lives in 16 accumulators for the whole sum over
// input channels and taps: per tap, two loads of x feed 16 fused multiply-adds with the 8
// weights broadcast. The block's weights (channels·taps·8 floats) stay in L1 across positions.
// That tile needs 16 of AVX-512's 32 registers; with AVX2's 16 registers of 8 floats it would
// need 32 and spill, so AVX2 processors take `conv_stride1_avx2` below.
VK_CLONES
static void conv_stride1_wide(const float *x, int64_t x_stride, int64_t channels, int64_t row, int64_t kh,
                              int64_t kw, const float *packed, int64_t out_channels, float *y, int64_t y_stride,
                              int64_t positions) {
    const int64_t taps = kh * kw;
    for (int64_t block = 0; block < out_channels / VK_CONV_CHANNEL_BLOCK; block++) {
        const float *block_weights = packed + block * channels * taps * VK_CONV_CHANNEL_BLOCK;
        float *block_y = y + block * VK_CONV_CHANNEL_BLOCK * y_stride;
        for (int64_t t = 0; t < positions; t += VK_CONV_POSITION_BLOCK) {
            vk_f16 low[VK_CONV_CHANNEL_BLOCK], high[VK_CONV_CHANNEL_BLOCK];
            for (int i = 0; i < VK_CONV_CHANNEL_BLOCK; i++) low[i] = high[i] = (vk_f16){0};
            for (int64_t c = 0; c < channels; c++) {
                const float *plane = x + c * x_stride + t;
                const float *weights = block_weights + c * taps * VK_CONV_CHANNEL_BLOCK;
                for (int64_t ki = 0; ki < kh; ki++) {
                    for (int64_t kj = 0; kj < kw; kj++) {
                        const float *source = plane + ki * row + kj;
                        const vk_f16 u = VK_LOAD16(source), v = VK_LOAD16(source + 16);
                        const float *w = weights + (ki * kw + kj) * VK_CONV_CHANNEL_BLOCK;
                        for (int i = 0; i < VK_CONV_CHANNEL_BLOCK; i++) {
                            low[i] += w[i] * u;
                            high[i] += w[i] * v;
                        }
                    }
                }
            }
            for (int i = 0; i < VK_CONV_CHANNEL_BLOCK; i++) {
                VK_STORE16(block_y + i * y_stride + t, low[i]);
                VK_STORE16(block_y + i * y_stride + t + 16, high[i]);
            }
        }
    }
}

#if defined(__x86_64__) && defined(__linux__)

// The same sum in tiles of 4 output channels × 16 positions: 8 accumulators, 2 loads of x and
// 4 broadcast weights per tap, 14 of the 16 registers. The positions' 32-blocks are taken as two
// tiles, and each 8-channel block of packed weights as its two halves.
__attribute__((target("avx2,fma"))) static void conv_stride1_avx2(const float *x, int64_t x_stride,
                                                                   int64_t channels, int64_t row, int64_t kh,
                                                                   int64_t kw, const float *packed,
                                                                   int64_t out_channels, float *y,
                                                                   int64_t y_stride, int64_t positions) {
    enum { TILE_CHANNELS = 4, TILE_POSITIONS = 16 };
    const int64_t taps = kh * kw;
    for (int64_t block = 0; block < out_channels / VK_CONV_CHANNEL_BLOCK; block++) {
        const float *block_weights = packed + block * channels * taps * VK_CONV_CHANNEL_BLOCK;
        for (int64_t t = 0; t < positions; t += TILE_POSITIONS) {
            for (int half = 0; half < VK_CONV_CHANNEL_BLOCK / TILE_CHANNELS; half++) {
                vk_f8 low[TILE_CHANNELS], high[TILE_CHANNELS];
                for (int i = 0; i < TILE_CHANNELS; i++) low[i] = high[i] = (vk_f8){0};
                for (int64_t c = 0; c < channels; c++) {
                    const float *plane = x + c * x_stride + t;
                    const float *weights = block_weights + c * taps * VK_CONV_CHANNEL_BLOCK + half * TILE_CHANNELS;
                    for (int64_t ki = 0; ki < kh; ki++) {
                        for (int64_t kj = 0; kj < kw; kj++) {
                            const float *source = plane + ki * row + kj;
                            const vk_f8 u = VK_LOAD8(source), v = VK_LOAD8(source + 8);
                            const float *w = weights + (ki * kw + kj) * VK_CONV_CHANNEL_BLOCK;
                            for (int i = 0; i < TILE_CHANNELS; i++) {
                                low[i] += w[i] * u;
                                high[i] += w[i] * v;
                            }
                        }
                    }
                }
                float *tile_y = y + (block * VK_CONV_CHANNEL_BLOCK + half * TILE_CHANNELS) * y_stride + t;
                for (int i = 0; i < TILE_CHANNELS; i++) {
                    VK_STORE8(tile_y + i * y_stride, low[i]);
                    VK_STORE8(tile_y + i * y_stride + 8, high[i]);
                }
            }
        }
    }
}
#endif

void vk_conv_stride1(const float *x, int64_t x_stride, int64_t channels, int64_t row, int64_t kh, int64_t kw,
                     const float *packed, int64_t out_channels, float *y, int64_t y_stride, int64_t positions) {
#if defined(__x86_64__) && defined(__linux__)
    if (!__builtin_cpu_supports("x86-64-v4") && __builtin_cpu_supports("x86-64-v3")) {
        conv_stride1_avx2(x, x_stride, channels, row, kh, kw, packed, out_channels, y, y_stride, positions);
        return;
    }
#endif
    conv_stride1_wide(x, x_stride, channels, row, kh, kw, packed, out_channels, y, y_stride, positions);
}

// The sum of a vector's 8 lanes, in a fixed order (by pointer: a vector argument's ABI differs
// between the clones).
static inline __attribute__((always_inline)) float sum_lanes(const vk_f8 *v) {
    return (((*v)[0] + (*v)[4]) + ((*v)[1] + (*v)[5])) + (((*v)[2] + (*v)[6]) + ((*v)[3] + (*v)[7]));
}

// The weight gradient of 4 output channels × `width` (1 to 3) neighbouring taps of one input
// channel: 12 accumulators at most, fed per 8 positions by 4 loads of dy and `width` of x.
static inline __attribute__((always_inline)) void weight_gradient_tile(const float *dy, int64_t dy_stride,
                                                                       const float *x, int64_t positions, int width,
                                                                       float *dw, int64_t tap_stride,
                                                                       int64_t channels) {
    enum { TILE_CHANNELS = 4, TILE_TAPS = 3 };
    vk_f8 sums[TILE_CHANNELS][TILE_TAPS];
    for (int i = 0; i < TILE_CHANNELS; i++)
        for (int j = 0; j < TILE_TAPS; j++) sums[i][j] = (vk_f8){0};
    for (int64_t t = 0; t < positions; t += 8) {
        vk_f8 g[TILE_CHANNELS], u[TILE_TAPS];
        for (int i = 0; i < TILE_CHANNELS; i++) g[i] = VK_LOAD8(dy + i * dy_stride + t);
        for (int j = 0; j < width; j++) u[j] = VK_LOAD8(x + t + j);
        for (int i = 0; i < TILE_CHANNELS; i++)
            for (int j = 0; j < width; j++) sums[i][j] += g[i] * u[j];
    }
    for (int i = 0; i < TILE_CHANNELS; i++)
        for (int j = 0; j < width; j++) dw[j * tap_stride + i * channels] += sum_lanes(&sums[i][j]);
}

VK_CLONES
void vk_conv_stride1_weight_gradient(const float *dy, int64_t dy_stride, int64_t out_channels, const float *x,
                                     int64_t x_stride, int64_t channels, int64_t row, int64_t kh, int64_t kw,
                                     int64_t positions, float *dw) {
    const int64_t tap_stride = out_channels * channels;
    for (int64_t o = 0; o < out_channels; o += 4) {
        for (int64_t c = 0; c < channels; c++) {
            for (int64_t ki = 0; ki < kh; ki++) {
                for (int64_t kj = 0; kj < kw; kj += 3) {
                    const float *source = x + c * x_stride + ki * row + kj;
                    const float *tile_dy = dy + o * dy_stride;
                    float *tile_dw = dw + (ki * kw + kj) * tap_stride + o * channels + c;
                    // Constant widths, so that each tile keeps its sums in registers.
                    switch (kw - kj) {
                    case 1: weight_gradient_tile(tile_dy, dy_stride, source, positions, 1, tile_dw, tap_stride, channels); break;
                    case 2: weight_gradient_tile(tile_dy, dy_stride, source, positions, 2, tile_dw, tap_stride, channels); break;
                    default: weight_gradient_tile(tile_dy, dy_stride, source, positions, 3, tile_dw, tap_stride, channels);
                    }
                }
            }
        }
    }
}
