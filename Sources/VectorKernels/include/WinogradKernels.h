// The tile transforms of a 3×3, stride-1, padding-1 convolution by Winograd's minimal filtering
// F(2×2, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2015):
// y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A for each 2×2 output tile y, 4×4 input tile d and 3×3 filter g.
// Sources/Tensor/WinogradConvolution.swift runs the 16 products between them as sgemm.
//
// A plane of H × W has th = ⌈H/2⌉ × tw = ⌈W/2⌉ tiles; tile (i, j) covers outputs rows 2i, 2i + 1
// and columns 2j, 2j + 1, and reads the input rows 2i − 1 … 2i + 2 and columns 2j − 1 … 2j + 2
// (zeros outside the plane). A transformed tile's 16 values ξ = 4a + b go to
// v[ξ·stride + i·tw + j]: one row of tiles per ξ. A stride that is not a multiple of 1,024 floats
// keeps the 16 rows from sharing cache sets (4 KiB aliasing).
#ifndef SPECTROFOLD_WINOGRAD_KERNELS_H
#define SPECTROFOLD_WINOGRAD_KERNELS_H

#include <stdint.h>

/// Floats of scratch every transform below needs for a plane of height × width:
/// 24 · (th + 1) · (tw + 1) + 2 · (2·th + 2) · (tw + 1).
int64_t vk_winograd_scratch(int64_t height, int64_t width);

/// v[ξ·stride + tile] = (Bᵀ d B)[ξ] for each tile of the plane x (height × width).
void vk_winograd_input(const float *x, int64_t height, int64_t width, float *v, int64_t stride, float *scratch);

/// y (height × width) = Aᵀ m A + bias per tile, m[ξ·stride + tile] the tiles' products; the
/// tiles' outputs past the plane are dropped.
void vk_winograd_output(const float *m, int64_t stride, float bias, float *y, int64_t height, int64_t width,
                        float *scratch);

/// ŷ[ξ·stride + tile] = (A dy Aᵀ)[ξ] for each 2×2 tile of the output gradient dy (height ×
/// width, zeros past it): the gradient with respect to the tiles' products of `vk_winograd_output`.
void vk_winograd_output_gradient(const float *dy, int64_t height, int64_t width, float *g, int64_t stride,
                                 float *scratch);

/// dx (height × width) += Σ over tiles of B dv Bᵀ placed at the tile's input window: the gradient
/// of `vk_winograd_input` with dv[ξ·stride + tile] the gradient of its values.
void vk_winograd_input_gradient(const float *dv, int64_t stride, float *dx, int64_t height, int64_t width,
                                float *scratch);

/// u[ξ·stride + p] = (G g Gᵀ)[ξ] for each of the `pairs` filters g = w[9p …] (3×3, row-major),
/// G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]].
void vk_winograd_filters(const float *w, int64_t pairs, float *u, int64_t stride);

/// dw[9p …] += Gᵀ du G (3×3) for each of the `pairs` filters, du[ξ·stride + p] the gradient of
/// `vk_winograd_filters`' values.
void vk_winograd_filter_gradients(const float *du, int64_t stride, int64_t pairs, float *dw);

#endif
