#include "SmallGemmKernels.h"
#include "clones.h"
#include "vectors.h"

/// Rows of C per register tile: 6 × 16 floats are 12 of AVX2's 16 registers, leaving 2 for the
/// panel's row and 1 for A's broadcast element.
enum { TILE_ROWS = 6 };

/// Floats per 64-byte cache line, the step of the prefetches.
enum { LINE_FLOATS = 16 };

static inline __attribute__((always_inline)) int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

// Asks for the cache lines of `rows` rows of `length` floats, `stride` floats apart: the operands'
// rows are short pieces of longer rows (a head's 16 to 64 features), too short for the hardware's
// stream prefetchers to pick up.
static inline __attribute__((always_inline)) void prefetch_rows(const float *base, int64_t rows, int64_t stride,
                                                                int64_t length) {
    for (int64_t r = 0; r < rows; r++)
        for (int64_t e = 0; e < length; e += LINE_FLOATS) __builtin_prefetch(base + r * stride + e);
}

// The 8 × 8 block of a matrix whose rows r[i] are given, transposed: r[i][s] goes to column i of
// out[s].
static inline __attribute__((always_inline)) void transpose8(const vk_f8 r[8], vk_f8 out[8]) {
    vk_f8 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = __builtin_shufflevector(r[i], r[i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
        t[i + 1] = __builtin_shufflevector(r[i], r[i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
    }
    for (int i = 0; i < 8; i += 4) {
        for (int h = 0; h < 2; h++) {
            u[i + 2 * h] = __builtin_shufflevector(t[i + h], t[i + h + 2], 0, 1, 8, 9, 4, 5, 12, 13);
            u[i + 2 * h + 1] = __builtin_shufflevector(t[i + h], t[i + h + 2], 2, 3, 10, 11, 6, 7, 14, 15);
        }
    }
    for (int s = 0; s < 4; s++) {
        out[s] = __builtin_shufflevector(u[s], u[s + 4], 0, 1, 2, 3, 8, 9, 10, 11);
        out[s + 4] = __builtin_shufflevector(u[s], u[s + 4], 4, 5, 6, 7, 12, 13, 14, 15);
    }
}

// B (k, n) as panels of 16 columns: B(s, 16·p + j) at packed[(p·k + s)·16 + j], zeros past n.
// A B stored transposed (b_row 1: each column's k values contiguous) goes through in 8 × 8
// blocks, so that it is read and written 8 floats at a time.
static inline __attribute__((always_inline)) void pack_panels(int64_t n, int64_t k, const float *b, int64_t b_row,
                                                              int64_t b_column, float *packed) {
    for (int64_t first = 0; first < n; first += VK_SMALL_GEMM_PANEL) {
        const int64_t columns = min64(n - first, VK_SMALL_GEMM_PANEL);
        float *panel = packed + first * k;
        int64_t blocked = 0;  // columns already packed in 8 × 8 blocks, all k of them
        if (b_row == 1) {
            for (; blocked + 8 <= columns; blocked += 8) {
                const float *source = b + (first + blocked) * b_column;
                prefetch_rows(source + 8 * b_column, min64(n - first - blocked - 8, 8), b_column, k);
                int64_t s = 0;
                for (; s + 8 <= k; s += 8) {
                    vk_f8 rows[8], block[8];
                    for (int i = 0; i < 8; i++) rows[i] = VK_LOAD8(source + i * b_column + s);
                    transpose8(rows, block);
                    for (int t = 0; t < 8; t++) VK_STORE8(panel + (s + t) * VK_SMALL_GEMM_PANEL + blocked, block[t]);
                }
                for (; s < k; s++)
                    for (int i = 0; i < 8; i++) panel[s * VK_SMALL_GEMM_PANEL + blocked + i] = source[i * b_column + s];
            }
        }
        for (int64_t s = 0; s < k; s++) {
            float *row = panel + s * VK_SMALL_GEMM_PANEL;
            const float *source = b + s * b_row + first * b_column;
            if (first == 0 && b_column == 1 && s + 8 < k) prefetch_rows(b + (s + 8) * b_row, 1, 0, n);
            if (b_column == 1) {
                for (int64_t j = blocked; j < columns; j++) row[j] = source[j];
            } else {
                for (int64_t j = blocked; j < columns; j++) row[j] = source[j * b_column];
            }
            for (int64_t j = columns; j < VK_SMALL_GEMM_PANEL; j++) row[j] = 0;
        }
    }
}

// C's `rows` × `columns` (≤ 16) block from `rows` rows of A and one panel: 2·rows accumulators;
// each step s, two loads of the panel and `rows` broadcasts of A feed 2·rows fused
// multiply-adds. `rows` is a constant at every call, so the accumulators stay in registers.
static inline __attribute__((always_inline)) void tile(int rows, int64_t k, float alpha, const float *a, int64_t a_row,
                                                       int64_t a_column, const float *panel, int accumulate, float *c,
                                                       int64_t ldc, int64_t columns) {
    vk_f8 low[TILE_ROWS], high[TILE_ROWS];
    for (int r = 0; r < rows; r++) low[r] = high[r] = (vk_f8){0};
    for (int64_t s = 0; s < k; s++) {
        const vk_f8 u = VK_LOAD8(panel + s * VK_SMALL_GEMM_PANEL), v = VK_LOAD8(panel + s * VK_SMALL_GEMM_PANEL + 8);
        const float *column = a + s * a_column;
        for (int r = 0; r < rows; r++) {
            const float w = column[r * a_row];
            low[r] += w * u;
            high[r] += w * v;
        }
    }
    if (columns == VK_SMALL_GEMM_PANEL) {
        for (int r = 0; r < rows; r++) {
            float *out = c + r * ldc;
            vk_f8 x = alpha * low[r], y = alpha * high[r];
            if (accumulate) {
                x += VK_LOAD8(out);
                y += VK_LOAD8(out + 8);
            }
            VK_STORE8(out, x);
            VK_STORE8(out + 8, y);
        }
        return;
    }
    float block[TILE_ROWS][VK_SMALL_GEMM_PANEL];
    for (int r = 0; r < rows; r++) {
        VK_STORE8(block[r], alpha * low[r]);
        VK_STORE8(block[r] + 8, alpha * high[r]);
        float *out = c + r * ldc;
        for (int64_t j = 0; j < columns; j++) out[j] = accumulate ? out[j] + block[r][j] : block[r][j];
    }
}

VK_CLONES
void vk_small_gemm(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t a_row, int64_t a_column,
                   const float *b, int64_t b_row, int64_t b_column, int accumulate, float *c, int64_t ldc,
                   float *packed, const float *upcoming, int64_t upcoming_count) {
    pack_panels(n, k, b, b_row, b_column, packed);
    // The upcoming floats' cache lines, a few before each tile.
    const int64_t tiles = (m + TILE_ROWS - 1) / TILE_ROWS * ((n + VK_SMALL_GEMM_PANEL - 1) / VK_SMALL_GEMM_PANEL);
    const int64_t lines_per_tile = ((upcoming_count + LINE_FLOATS - 1) / LINE_FLOATS + tiles - 1) / tiles;
    const float *upcoming_end = upcoming + upcoming_count;
    // Rows of A by tiles, each meeting every panel: a tile's rows of A (6·k floats) stay in L1
    // and are read from memory once, the packed B (k · ⌈n/16⌉ · 64 bytes) stays in L2.
    for (int64_t i = 0; i < m; i += TILE_ROWS) {
        const int64_t rows = min64(m - i, TILE_ROWS);
        if (a_column == 1) prefetch_rows(a + (i + rows) * a_row, min64(m - i - rows, TILE_ROWS), a_row, k);
        for (int64_t first = 0; first < n; first += VK_SMALL_GEMM_PANEL) {
            for (int64_t line = 0; line < lines_per_tile && upcoming < upcoming_end; line++, upcoming += LINE_FLOATS)
                __builtin_prefetch(upcoming);
            const int64_t columns = min64(n - first, VK_SMALL_GEMM_PANEL);
            const float *panel = packed + first * k, *rows_a = a + i * a_row;
            float *out = c + i * ldc + first;
            // A constant row count at every call, so that each keeps its sums in registers.
            switch (rows) {
            case 1: tile(1, k, alpha, rows_a, a_row, a_column, panel, accumulate, out, ldc, columns); break;
            case 2: tile(2, k, alpha, rows_a, a_row, a_column, panel, accumulate, out, ldc, columns); break;
            case 3: tile(3, k, alpha, rows_a, a_row, a_column, panel, accumulate, out, ldc, columns); break;
            case 4: tile(4, k, alpha, rows_a, a_row, a_column, panel, accumulate, out, ldc, columns); break;
            case 5: tile(5, k, alpha, rows_a, a_row, a_column, panel, accumulate, out, ldc, columns); break;
            default: tile(TILE_ROWS, k, alpha, rows_a, a_row, a_column, panel, accumulate, out, ldc, columns);
            }
        }
    }
}
