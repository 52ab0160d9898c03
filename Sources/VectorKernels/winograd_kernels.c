#include "WinogradKernels.h"
#include "clones.h"

// The planes here are narrow (W of 4 to 63 at the ResNets' deeper layers), so the transforms keep
// their arithmetic in loops that run over a whole plane's tiles at once: the combinations along
// the rows read rows of tiles that are whole tile rows apart (flat index f = i·tw + j, the row
// below at f + tw), and only the combinations along the columns, where a tile's 4 columns are 2
// apart, run row by row, on rows split into their even and odd columns.

static int64_t tiles(int64_t size) { return (size + 1) / 2; }

int64_t vk_winograd_scratch(int64_t height, int64_t width) {
    const int64_t th = tiles(height), tw = tiles(width);
    return 24 * (th + 1) * (tw + 1) + 2 * (2 * th + 2) * (tw + 1);
}

// even[j] = x[2j], odd[j] = x[2j + 1] for j < count, zeros at and past `width` (x NULL: zeros).
// The helpers are always inlined, so that each clone compiles them for its CPU.
static inline __attribute__((always_inline)) void deinterleave(const float *x, int64_t width, int64_t count, float *even, float *odd) {
    int64_t evens = 0, odds = 0;
    if (x) {
        for (; evens < count && 2 * evens < width; evens++) even[evens] = x[2 * evens];
        for (; odds < count && 2 * odds + 1 < width; odds++) odd[odds] = x[2 * odds + 1];
    }
    for (; evens < count; evens++) even[evens] = 0;
    for (; odds < count; odds++) odd[odds] = 0;
}

VK_CLONES
void vk_winograd_input(const float *x, int64_t height, int64_t width, float *v, int64_t stride, float *scratch) {
    const int64_t th = tiles(height), tw = tiles(width), n = th * tw;
    // Padded row r (a zero column and row each side) as its even and odd columns, tw + 1 each.
    float *even = scratch, *odd = even + tw + 1;
    // B along the columns: h[(r % 2)·4 + b] holds padded row r's values at (r / 2)·tw + j.
    float *h = odd + tw + 1;
    const int64_t plane = (th + 1) * tw;
    for (int64_t r = 0; r < 2 * th + 2; r++) {
        even[0] = 0;
        odd[tw] = 0;
        deinterleave(r >= 1 && r <= height ? x + (r - 1) * width : 0, width, tw, odd, even + 1);
        float *h0 = h + (r % 2) * 4 * plane + (r / 2) * tw, *h1 = h0 + plane, *h2 = h1 + plane, *h3 = h2 + plane;
        for (int64_t j = 0; j < tw; j++) {
            h0[j] = even[j] - even[j + 1];
            h1[j] = odd[j] + even[j + 1];
            h2[j] = even[j + 1] - odd[j];
            h3[j] = odd[j] - odd[j + 1];
        }
    }
    // … then Bᵀ along the rows over every tile at once: d0 − d2, d1 + d2, d2 − d1, d1 − d3, with
    // d0, d2 the even padded rows 2i, 2i + 2 and d1, d3 the odd ones.
    for (int64_t b = 0; b < 4; b++) {
        const float *d0 = h + b * plane, *d2 = d0 + tw, *d1 = h + (4 + b) * plane, *d3 = d1 + tw;
        float *out = v + b * stride;
        for (int64_t f = 0; f < n; f++) {
            out[f] = d0[f] - d2[f];
            out[4 * stride + f] = d1[f] + d2[f];
            out[8 * stride + f] = d2[f] - d1[f];
            out[12 * stride + f] = d1[f] - d3[f];
        }
    }
}

VK_CLONES
void vk_winograd_output(const float *m, int64_t stride, float bias, float *y, int64_t height, int64_t width,
                        float *scratch) {
    const int64_t th = tiles(height), tw = tiles(width), n = th * tw;
    // Aᵀ m along the rows over every tile: top[b] = m0 + m1 + m2, bottom[b] = m1 − m2 − m3 …
    float *top = scratch, *bottom = top + 4 * n;
    for (int64_t b = 0; b < 4; b++) {
        const float *m0 = m + b * stride, *m1 = m0 + 4 * stride, *m2 = m1 + 4 * stride, *m3 = m2 + 4 * stride;
        float *t = top + b * n, *u = bottom + b * n;
        for (int64_t f = 0; f < n; f++) {
            t[f] = m0[f] + m1[f] + m2[f];
            u[f] = m1[f] - m2[f] - m3[f];
        }
    }
    // … then along the columns, into each output row's even and odd columns …
    float *columns = bottom + 4 * n;
    for (int pair = 0; pair < 2; pair++) {
        const float *r = pair == 0 ? top : bottom;
        float *even = columns + 2 * pair * n, *odd = even + n;
        for (int64_t f = 0; f < n; f++) {
            even[f] = r[f] + r[n + f] + r[2 * n + f] + bias;
            odd[f] = r[n + f] - r[2 * n + f] - r[3 * n + f] + bias;
        }
    }
    // … interleaved into the plane's rows.
    for (int64_t row = 0; row < height; row++) {
        const float *even = columns + 2 * (row % 2) * n + (row / 2) * tw, *odd = even + n;
        float *target = y + row * width;
        for (int64_t k = 0; 2 * k < width; k++) target[2 * k] = even[k];
        for (int64_t k = 0; 2 * k + 1 < width; k++) target[2 * k + 1] = odd[k];
    }
}

VK_CLONES
void vk_winograd_output_gradient(const float *dy, int64_t height, int64_t width, float *g, int64_t stride,
                                 float *scratch) {
    const int64_t th = tiles(height), tw = tiles(width), n = th * tw;
    // dy as four phases, tile (i, j) at i·tw + j: rows 2i and 2i + 1, even and odd columns.
    float *e0 = scratch, *o0 = e0 + n, *e1 = o0 + n, *o1 = e1 + n;
    for (int64_t i = 0; i < th; i++) {
        deinterleave(dy + 2 * i * width, width, tw, e0 + i * tw, o0 + i * tw);
        deinterleave(2 * i + 1 < height ? dy + (2 * i + 1) * width : 0, width, tw, e1 + i * tw, o1 + i * tw);
    }
    // A along the rows (d0, d0 + d1, d0 − d1, −d1), then Aᵀ along the columns (c0, c0 + c1,
    // c0 − c1, −c1), over every tile at once.
    for (int64_t a = 0; a < 4; a++) {
        float *out = g + 4 * a * stride;
        for (int64_t f = 0; f < n; f++) {
            const float c0 = a == 0 ? e0[f] : a == 1 ? e0[f] + e1[f] : a == 2 ? e0[f] - e1[f] : -e1[f];
            const float c1 = a == 0 ? o0[f] : a == 1 ? o0[f] + o1[f] : a == 2 ? o0[f] - o1[f] : -o1[f];
            out[f] = c0;
            out[stride + f] = c0 + c1;
            out[2 * stride + f] = c0 - c1;
            out[3 * stride + f] = -c1;
        }
    }
}

// B applied to four values (v0, v1, v2, v3): (v0, v1 − v2 + v3, v1 + v2 − v0, −v3), the transpose
// of the input transform's Bᵀ.
static inline __attribute__((always_inline)) void apply_b(float v0, float v1, float v2, float v3, float out[4]) {
    out[0] = v0;
    out[1] = v1 - v2 + v3;
    out[2] = v1 + v2 - v0;
    out[3] = -v3;
}

VK_CLONES
void vk_winograd_input_gradient(const float *dv, int64_t stride, float *dx, int64_t height, int64_t width,
                                float *scratch) {
    const int64_t th = tiles(height), tw = tiles(width), n = th * tw;
    // Each tile's 4×4 window gradient B dv Bᵀ, from one read of its 16 values: window position
    // (r, c) in dd[(4r + c)·n + tile]. B along the rows a, then along the columns b.
    float *dd = scratch;
#pragma clang loop vectorize(assume_safety)
    for (int64_t f = 0; f < n; f++) {
        float rows[4][4], window[4];
        for (int b = 0; b < 4; b++) {
            float column[4];
            apply_b(dv[b * stride + f], dv[(4 + b) * stride + f], dv[(8 + b) * stride + f], dv[(12 + b) * stride + f], column);
            for (int r = 0; r < 4; r++) rows[r][b] = column[r];
        }
        for (int r = 0; r < 4; r++) {
            apply_b(rows[r][0], rows[r][1], rows[r][2], rows[r][3], window);
            for (int c = 0; c < 4; c++) dd[(4 * r + c) * n + f] = window[c];
        }
    }
    // The padded plane's row R = y + 1 gathers window row r = R mod 2 of tile row R / 2 and
    // window row r + 2 of the tile row above it; its columns split into even (2J) and odd
    // (2J + 1), each gathering window column c of tile J and c + 2 of tile J − 1.
    float *sums = dd + 16 * n, *even = sums + 4 * tw, *odd = even + tw + 1;
    for (int64_t y = 0; y < height; y++) {
        const int64_t r = (y + 1) % 2, tileRow = (y + 1) / 2;
        for (int c = 0; c < 4; c++) {
            float *s = sums + c * tw;
            const float *current = tileRow < th ? dd + (4 * r + c) * n + tileRow * tw : 0;
            const float *above = tileRow >= 1 ? dd + (4 * (r + 2) + c) * n + (tileRow - 1) * tw : 0;
            for (int64_t j = 0; j < tw; j++) s[j] = (current ? current[j] : 0) + (above ? above[j] : 0);
        }
        const float *s0 = sums, *s1 = s0 + tw, *s2 = s1 + tw, *s3 = s2 + tw;
        even[0] = s0[0];
        odd[0] = s1[0];
        for (int64_t j = 1; j < tw; j++) {
            even[j] = s0[j] + s2[j - 1];
            odd[j] = s1[j] + s3[j - 1];
        }
        even[tw] = s2[tw - 1];
        odd[tw] = s3[tw - 1];
        // dx[y][x] += padded[y + 1][x + 1]: column x + 1 is odd[x / 2] for even x, even[(x + 1) / 2] for odd x.
        float *target = dx + y * width;
        for (int64_t k = 0; 2 * k < width; k++) target[2 * k] += odd[k];
        for (int64_t k = 0; 2 * k + 1 < width; k++) target[2 * k + 1] += even[k + 1];
    }
}

// The filter transforms run over the filters side by side (the compiler vectorises the loop over
// p, gathering the 9 taps): the 3×3 → 4×4 combination is G along the rows, then along the columns.
VK_CLONES
void vk_winograd_filters(const float *w, int64_t pairs, float *u, int64_t stride) {
    for (int64_t p = 0; p < pairs; p++) {
        const float *g = w + 9 * p;
        float rows[4][3];
        for (int k = 0; k < 3; k++) {
            rows[0][k] = g[k];
            rows[1][k] = 0.5f * (g[k] + g[3 + k] + g[6 + k]);
            rows[2][k] = 0.5f * (g[k] - g[3 + k] + g[6 + k]);
            rows[3][k] = g[6 + k];
        }
        for (int a = 0; a < 4; a++) {
            u[(4 * a) * stride + p] = rows[a][0];
            u[(4 * a + 1) * stride + p] = 0.5f * (rows[a][0] + rows[a][1] + rows[a][2]);
            u[(4 * a + 2) * stride + p] = 0.5f * (rows[a][0] - rows[a][1] + rows[a][2]);
            u[(4 * a + 3) * stride + p] = rows[a][2];
        }
    }
}

VK_CLONES
void vk_winograd_filter_gradients(const float *du, int64_t stride, int64_t pairs, float *dw) {
    for (int64_t p = 0; p < pairs; p++) {
        // Gᵀ along the rows: (u0 + ½(u1 + u2), ½(u1 − u2), ½(u1 + u2) + u3) for each column b …
        float rows[3][4];
        for (int b = 0; b < 4; b++) {
            const float u0 = du[b * stride + p], u1 = du[(4 + b) * stride + p], u2 = du[(8 + b) * stride + p],
                        u3 = du[(12 + b) * stride + p];
            rows[0][b] = u0 + 0.5f * (u1 + u2);
            rows[1][b] = 0.5f * (u1 - u2);
            rows[2][b] = 0.5f * (u1 + u2) + u3;
        }
        // … then along the columns.
        float *g = dw + 9 * p;
        for (int k = 0; k < 3; k++) {
            g[3 * k] += rows[k][0] + 0.5f * (rows[k][1] + rows[k][2]);
            g[3 * k + 1] += 0.5f * (rows[k][1] - rows[k][2]);
            g[3 * k + 2] += 0.5f * (rows[k][1] + rows[k][2]) + rows[k][3];
        }
    }
}
