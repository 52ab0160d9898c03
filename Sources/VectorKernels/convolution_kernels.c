#include "ConvolutionKernels.h"
#include "clones.h"

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
VK_CLONES
void vk_conv_stride1(const float *x, int64_t x_stride, int64_t channels, int64_t row, int64_t kh, int64_t kw,
                     const float *packed, int64_t out_channels, float *y, int64_t y_stride, int64_t positions) {
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
