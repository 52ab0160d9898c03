// 8 floats, one AVX2 register (two SSE ones in the baseline clone). The unaligned, aliasing
// variant reads and writes plain float arrays in place; macros rather than functions, since a
// function taking a vector has a different ABI in each clone.
#ifndef SPECTROFOLD_VECTOR_KERNELS_VECTORS_H
#define SPECTROFOLD_VECTOR_KERNELS_VECTORS_H

typedef float vk_f8 __attribute__((vector_size(32)));
typedef float vk_f8_unaligned __attribute__((vector_size(32), aligned(4), may_alias));
#define VK_LOAD8(p) (*(const vk_f8_unaligned *)(p))
#define VK_STORE8(p, v) (*(vk_f8_unaligned *)(p) = (v))

#endif
