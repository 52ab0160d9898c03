// How every exported kernel is compiled: three times, for AVX-512 (x86-64-v4), AVX2 + FMA
// (x86-64-v3) and baseline x86-64, with the loader picking one per CPU at start-up.
#ifndef SPECTROFOLD_VECTOR_KERNELS_CLONES_H
#define SPECTROFOLD_VECTOR_KERNELS_CLONES_H

#if defined(__x86_64__) && defined(__linux__)
#define VK_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define VK_CLONES
#endif

#endif
