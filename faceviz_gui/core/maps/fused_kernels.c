/* Fused CPU kernels for HappyMaps (maps/fused.py loads them with ctypes; native_build.py
 * compiles this file on the machine that runs it, with -O3 -march=native).
 *
 * grey_conv_pool: a network's first layer on the one-channel image, a k x k convolution
 * (stride 1, zero padding), then 2x2 max pooling (stride 2) and ReLU (or nothing), in one
 * pass per pooled pixel. In torch the convolution's output (64 images x 32 channels at
 * 58x62: 29 MB) is written, read by the pooling, zero-filled and scattered into by the
 * pooling's backward, then read again for the image gradient: memory traffic, not
 * arithmetic, made it 20 ms of a 59 ms step on the 2-core AMD EPYC. Here the conv output
 * lives in registers; only the pooled output (a quarter), the winning window position per
 * output (one byte) and the image gradient touch memory.
 *
 * Layouts: x and gx are (n, H, W); y, gy and arg are (n, HO, WO, C), which is torch's
 * channels-last (n, C, HO, WO). Each call covers images [n0, n1), so callers can split a
 * batch across threads (ctypes releases the GIL). Returns 0, or -1 for a shape it does not
 * take (the caller then uses torch).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#define MAX_C 512
#define MAX_K 9 /* kernels up to 9x9: a patch of at most 10x10 */

static void load_patch(const float *xb, int H, int W, int r0, int c0, int PH, int PW, float *patch)
{
    if (r0 >= 0 && c0 >= 0 && r0 + PH <= H && c0 + PW <= W) { /* inside: no border tests */
        for (int r = 0; r < PH; r++)
            memcpy(patch + r * PW, xb + (r0 + r) * W + c0, sizeof(float) * PW);
        return;
    }
    for (int r = 0; r < PH; r++) {
        int yy = r0 + r;
        for (int q = 0; q < PW; q++) {
            int xx = c0 + q;
            patch[r * PW + q] = (yy >= 0 && yy < H && xx >= 0 && xx < W) ? xb[yy * W + xx] : 0.0f;
        }
    }
}

/* Eight channels per vector (GCC/Clang vector extensions: AVX2 here, NEON or SSE elsewhere). */
typedef float v8 __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4))); /* unaligned loads and stores */
typedef uint8_t u8x8 __attribute__((vector_size(8)));

static inline v8 select8(v8i take_b, v8 a, v8 b)
{
    return (v8)(((v8i)b & take_b) | ((v8i)a & ~take_b));
}

static inline void pool_store8(v8 a0, v8 a1, v8 a2, v8 a3, int relu, float *yo, uint8_t *ao)
{
    v8 m = a0;
    v8i k = {0, 0, 0, 0, 0, 0, 0, 0};
    v8i gt = a1 > m;
    m = select8(gt, m, a1);
    k = (k & ~gt) | (gt & 1);
    gt = a2 > m;
    m = select8(gt, m, a2);
    k = (k & ~gt) | (gt & 2);
    gt = a3 > m;
    m = select8(gt, m, a3);
    k = (k & ~gt) | (gt & 3);
    if (relu)
        m = select8(m > 0.0f, (v8){0}, m);
    *(v8u *)yo = m;
    for (int t = 0; t < 8; t++)
        ao[t] = (uint8_t)k[t];
}

/* The four conv outputs of one pooling window, their maximum (first one wins ties, as in
 * max_pool2d) and its position, sixteen channels at a time held in registers over the taps:
 * eight independent sums, so the FMAs' latency (not their count) no longer sets the pace. */
static void pooled_pixel_v8(const float *patch, const float *wt, const float *bias, int C, int KH,
                            int KW, int PW, int relu, float *yo, uint8_t *ao)
{
    int c = 0;
    for (; c + 16 <= C; c += 16) {
        v8 a0 = *(const v8u *)(bias + c), a1 = a0, a2 = a0, a3 = a0;
        v8 b0 = *(const v8u *)(bias + c + 8), b1 = b0, b2 = b0, b3 = b0;
        for (int ky = 0; ky < KH; ky++) {
            for (int kx = 0; kx < KW; kx++) {
                const float *wr = wt + (ky * KW + kx) * C + c;
                const v8 w = *(const v8u *)wr, u = *(const v8u *)(wr + 8);
                const float *q = patch + ky * PW + kx;
                const float q0 = q[0], q1 = q[1], q2 = q[PW], q3 = q[PW + 1];
                a0 += q0 * w;
                a1 += q1 * w;
                a2 += q2 * w;
                a3 += q3 * w;
                b0 += q0 * u;
                b1 += q1 * u;
                b2 += q2 * u;
                b3 += q3 * u;
            }
        }
        pool_store8(a0, a1, a2, a3, relu, yo + c, ao + c);
        pool_store8(b0, b1, b2, b3, relu, yo + c + 8, ao + c + 8);
    }
    for (; c < C; c += 8) {
        v8 a0 = *(const v8u *)(bias + c), a1 = a0, a2 = a0, a3 = a0;
        for (int ky = 0; ky < KH; ky++) {
            for (int kx = 0; kx < KW; kx++) {
                const v8 w = *(const v8u *)(wt + (ky * KW + kx) * C + c);
                const float *q = patch + ky * PW + kx;
                a0 += q[0] * w;
                a1 += q[1] * w;
                a2 += q[PW] * w;
                a3 += q[PW + 1] * w;
            }
        }
        pool_store8(a0, a1, a2, a3, relu, yo + c, ao + c);
    }
}

/* Any channel count: the same sums, one channel at a time. */
static void pooled_pixel(const float *patch, const float *wt, const float *bias, int C, int KH,
                         int KW, int PW, int relu, float acc[4][MAX_C], float *yo, uint8_t *ao)
{
    for (int p = 0; p < 4; p++) {
        float *ac = acc[p];
        const int a = p >> 1, e = p & 1;
        memcpy(ac, bias, sizeof(float) * C);
        for (int ky = 0; ky < KH; ky++) {
            for (int kx = 0; kx < KW; kx++) {
                const float v = patch[(a + ky) * PW + e + kx];
                const float *wr = wt + (ky * KW + kx) * C;
                for (int c = 0; c < C; c++)
                    ac[c] += v * wr[c];
            }
        }
    }
    for (int c = 0; c < C; c++) {
        float m = acc[0][c];
        uint8_t k = 0;
        if (acc[1][c] > m) { m = acc[1][c]; k = 1; }
        if (acc[2][c] > m) { m = acc[2][c]; k = 2; }
        if (acc[3][c] > m) { m = acc[3][c]; k = 3; }
        yo[c] = (relu && !(m > 0.0f)) ? 0.0f : m;
        ao[c] = k;
    }
}

/* wt: (KH*KW, C), the kernel tap-major so the inner loop runs over channels. */
int grey_conv_pool_forward(const float *x, int n0, int n1, int H, int W, const float *wt,
                           const float *bias, int C, int KH, int KW, int ph, int pw, int relu,
                           float *y, uint8_t *arg)
{
    if (C > MAX_C || KH > MAX_K || KW > MAX_K || C < 1)
        return -1;
    const int HO = (H + 2 * ph - KH + 1) / 2, WO = (W + 2 * pw - KW + 1) / 2;
    const int PH = KH + 1, PW = KW + 1;
    float patch[(MAX_K + 1) * (MAX_K + 1)];
    float acc[4][MAX_C];
    for (int b = n0; b < n1; b++) {
        const float *xb = x + (int64_t)b * H * W;
        for (int i = 0; i < HO; i++) {
            for (int j = 0; j < WO; j++) {
                load_patch(xb, H, W, 2 * i - ph, 2 * j - pw, PH, PW, patch);
                const int64_t o = (((int64_t)b * HO + i) * WO + j) * C;
                if (C % 8 == 0)
                    pooled_pixel_v8(patch, wt, bias, C, KH, KW, PW, relu, y + o, arg + o);
                else
                    pooled_pixel(patch, wt, bias, C, KH, KW, PW, relu, acc, y + o, arg + o);
            }
        }
    }
    return 0;
}

/* One channel's gradient row added to the patch's (16 wide: 3x3 kernels). Branch-free: ReLU's
 * mask is a coin toss per channel. */
#define ROW_STEP(ch, lo, hi)                                                                    \
    do {                                                                                        \
        const float gv_ = (relu && !(yo[ch] > 0.0f)) ? 0.0f : g[ch];                            \
        const float *r_ = rows + ((int64_t)ao[ch] * C + (ch)) * 16;                             \
        lo += gv_ * *(const v8u *)r_;                                                           \
        hi += gv_ * *(const v8u *)(r_ + 8);                                                     \
    } while (0)

/* rows: (4, C, (KH+1)*(KW+1)): channel c's kernel placed in the pooling window's patch at
 * window position p, zeros elsewhere, so each channel adds one row to the patch's gradient. */
int grey_conv_pool_backward(const float *gy, const float *y, const uint8_t *arg, int n0, int n1,
                            int H, int W, const float *rows, int C, int KH, int KW, int ph, int pw,
                            int relu, float *gx)
{
    if (C > MAX_C || KH > MAX_K || KW > MAX_K || C < 1)
        return -1;
    const int HO = (H + 2 * ph - KH + 1) / 2, WO = (W + 2 * pw - KW + 1) / 2;
    const int PH = KH + 1, PW = KW + 1, PP = PH * PW;
    float patch[(MAX_K + 1) * (MAX_K + 1)];
    for (int b = n0; b < n1; b++) {
        float *gxb = gx + (int64_t)b * H * W;
        memset(gxb, 0, sizeof(float) * H * W);
        for (int i = 0; i < HO; i++) {
            for (int j = 0; j < WO; j++) {
                const int64_t o = (((int64_t)b * HO + i) * WO + j) * C;
                const float *g = gy + o, *yo = y + o;
                const uint8_t *ao = arg + o;
                if (PP == 16 && C <= 64) {
                    /* only the channels ReLU lets through (about half): a bit mask of them,
                     * walked two at a time so two sums are in flight */
                    uint64_t live = 0;
                    for (int c = 0; c < C; c++)
                        live |= (uint64_t)(!relu || yo[c] > 0.0f) << c;
                    v8 p0 = {0}, p1 = {0}, q0 = {0}, q1 = {0};
                    while (live) {
                        int c = __builtin_ctzll(live);
                        live &= live - 1;
                        const float *r = rows + ((int64_t)ao[c] * C + c) * 16;
                        p0 += g[c] * *(const v8u *)r;
                        p1 += g[c] * *(const v8u *)(r + 8);
                        if (!live)
                            break;
                        c = __builtin_ctzll(live);
                        live &= live - 1;
                        r = rows + ((int64_t)ao[c] * C + c) * 16;
                        q0 += g[c] * *(const v8u *)r;
                        q1 += g[c] * *(const v8u *)(r + 8);
                    }
                    *(v8u *)patch = p0 + q0;
                    *(v8u *)(patch + 8) = p1 + q1;
                } else if (PP == 16) {
                    /* four channels in flight: independent sums hide the FMA latency */
                    v8 p0 = {0}, p1 = {0}, q0 = {0}, q1 = {0}, s0 = {0}, s1 = {0}, t0 = {0}, t1 = {0};
                    int c = 0;
                    for (; c + 4 <= C; c += 4) {
                        ROW_STEP(c, p0, p1);
                        ROW_STEP(c + 1, q0, q1);
                        ROW_STEP(c + 2, s0, s1);
                        ROW_STEP(c + 3, t0, t1);
                    }
                    for (; c < C; c++)
                        ROW_STEP(c, p0, p1);
                    *(v8u *)patch = (p0 + q0) + (s0 + t0);
                    *(v8u *)(patch + 8) = (p1 + q1) + (s1 + t1);
                } else {
                    memset(patch, 0, sizeof(float) * PP);
                    for (int c = 0; c < C; c++) {
                        const float gv = (relu && !(yo[c] > 0.0f)) ? 0.0f : g[c];
                        const float *r = rows + ((int64_t)ao[c] * C + c) * PP;
                        for (int k = 0; k < PP; k++)
                            patch[k] += gv * r[k];
                    }
                }
                const int r0 = 2 * i - ph, c0 = 2 * j - pw;
                for (int r = 0; r < PH; r++) {
                    const int yy = r0 + r;
                    if (yy < 0 || yy >= H)
                        continue;
                    for (int q = 0; q < PW; q++) {
                        const int xx = c0 + q;
                        if (xx >= 0 && xx < W)
                            gxb[yy * W + xx] += patch[r * PW + q];
                    }
                }
            }
        }
    }
    return 0;
}


/* pool_relu: 2x2 max pooling (stride 2, floor) then ReLU (or nothing) on a channels-last
 * activation, x (n, H, W, C) -> y, arg (n, H/2, W/2, C). torch's pooling keeps 8-byte
 * indices and its backward zero-fills the whole input gradient before scattering into it;
 * here the winner is one byte and the backward writes every input gradient once. */
int pool_relu_forward(const float *x, int n0, int n1, int H, int W, int C, int relu, float *y,
                      uint8_t *arg)
{
    const int HO = H / 2, WO = W / 2;
    for (int b = n0; b < n1; b++) {
        for (int i = 0; i < HO; i++) {
            for (int j = 0; j < WO; j++) {
                const float *x0 = x + (((int64_t)b * H + 2 * i) * W + 2 * j) * C;
                const float *v[4] = {x0, x0 + C, x0 + (int64_t)W * C, x0 + (int64_t)W * C + C};
                const int64_t o = (((int64_t)b * HO + i) * WO + j) * C;
                int c = 0;
                for (; c + 8 <= C; c += 8)
                    pool_store8(*(const v8u *)(v[0] + c), *(const v8u *)(v[1] + c),
                                *(const v8u *)(v[2] + c), *(const v8u *)(v[3] + c), relu,
                                y + o + c, arg + o + c);
                for (; c < C; c++) {
                    float m = v[0][c];
                    uint8_t k = 0;
                    if (v[1][c] > m) { m = v[1][c]; k = 1; }
                    if (v[2][c] > m) { m = v[2][c]; k = 2; }
                    if (v[3][c] > m) { m = v[3][c]; k = 3; }
                    y[o + c] = (relu && !(m > 0.0f)) ? 0.0f : m;
                    arg[o + c] = k;
                }
            }
        }
    }
    return 0;
}

int pool_relu_backward(const float *gy, const float *y, const uint8_t *arg, int n0, int n1, int H,
                       int W, int C, int relu, float *gx)
{
    const int HO = H / 2, WO = W / 2;
    for (int b = n0; b < n1; b++) {
        float *gb = gx + (int64_t)b * H * W * C;
        for (int r = 2 * HO; r < H; r++) /* the row and column pooling never reads */
            memset(gb + (int64_t)r * W * C, 0, sizeof(float) * W * C);
        for (int i = 0; i < HO; i++) {
            if (W % 2)
                for (int r = 0; r < 2; r++)
                    memset(gb + ((int64_t)(2 * i + r) * W + W - 1) * C, 0, sizeof(float) * C);
            for (int j = 0; j < WO; j++) {
                const int64_t o = (((int64_t)b * HO + i) * WO + j) * C;
                float *g0 = gb + ((int64_t)(2 * i) * W + 2 * j) * C;
                float *d[4] = {g0, g0 + C, g0 + (int64_t)W * C, g0 + (int64_t)W * C + C};
                int c = 0;
                for (; c + 8 <= C; c += 8) {
                    v8 gv = *(const v8u *)(gy + o + c);
                    if (relu)
                        gv = select8(*(const v8u *)(y + o + c) > 0.0f, (v8){0}, gv);
                    u8x8 kb;
                    memcpy(&kb, arg + o + c, 8);
                    const v8i k = __builtin_convertvector(kb, v8i);
                    const v8 zero = {0};
                    *(v8u *)(d[0] + c) = select8(k == 0, zero, gv);
                    *(v8u *)(d[1] + c) = select8(k == 1, zero, gv);
                    *(v8u *)(d[2] + c) = select8(k == 2, zero, gv);
                    *(v8u *)(d[3] + c) = select8(k == 3, zero, gv);
                }
                for (; c < C; c++) {
                    const float gv = (relu && !(y[o + c] > 0.0f)) ? 0.0f : gy[o + c];
                    const int k = arg[o + c];
                    d[0][c] = k == 0 ? gv : 0.0f;
                    d[1][c] = k == 1 ? gv : 0.0f;
                    d[2][c] = k == 2 ? gv : 0.0f;
                    d[3][c] = k == 3 ? gv : 0.0f;
                }
            }
        }
    }
    return 0;
}

/* jitter: each image resampled through its own affine map, bilinear with reflection padding,
 * as F.grid_sample(img, grid, "bilinear", "reflection", align_corners=False) with the grid
 * x' = m[0] x + m[1] y + m[2], y' = m[3] x + m[4] y + m[5] in grid coordinates ([-1, 1],
 * pixel centres). No grid tensor is built, and the image gradient is scattered in place
 * (torch's backward took 3.2 ms of a 52 ms step for 64 images at 64x60 on the EPYC). */

/* grid_sampler's reflect_coordinates (align_corners=False: between -0.5 and size - 0.5);
 * the first two cases are the general one's results for one reflection, without fmodf. */
static float reflect(float in, int size)
{
    const float lo = -0.5f, span = (float)size;
    if (in < lo && lo - in <= span)
        return (lo - in) + lo;
    if (in > span + lo && in - lo < 2 * span)
        return span - ((in - lo) - span) + lo;
    in = fabsf(in - lo);
    const float extra = fmodf(in, span);
    const int flips = (int)floorf(in / span);
    return (flips % 2 == 0) ? extra + lo : span - extra + lo;
}

#define MAX_W 4096

/* Row y's source coordinates in pixels, reflected and clipped to [0, size - 1] as torch's
 * grid_sampler_compute_source_index does. Ternaries, not fminf/fmaxf: those stay libm calls
 * without -ffast-math (they were 3 of the 4 ms this took at first). */
static void row_sources(const float *m, int H, int W, int y, float *ix, float *iy)
{
    const float ys = ((float)y + 0.5f) / (float)H * 2.0f - 1.0f;
    const float bx = m[1] * ys + m[2], by = m[4] * ys + m[5];
    for (int x = 0; x < W; x++) {
        const float xs = ((float)x + 0.5f) / (float)W * 2.0f - 1.0f;
        ix[x] = ((m[0] * xs + bx + 1.0f) * W - 1.0f) / 2.0f;
        iy[x] = ((m[3] * xs + by + 1.0f) * H - 1.0f) / 2.0f;
    }
    for (int x = 0; x < W; x++) { /* rare: only near the borders */
        if (ix[x] < -0.5f || ix[x] > W - 0.5f)
            ix[x] = reflect(ix[x], W);
        if (iy[x] < -0.5f || iy[x] > H - 0.5f)
            iy[x] = reflect(iy[x], H);
    }
    for (int x = 0; x < W; x++) {
        const float vx = ix[x] > 0.0f ? ix[x] : 0.0f, vy = iy[x] > 0.0f ? iy[x] : 0.0f;
        ix[x] = vx < (float)(W - 1) ? vx : (float)(W - 1);
        iy[x] = vy < (float)(H - 1) ? vy : (float)(H - 1);
    }
}

/* img, out: (n, H, W); m: (n, 6) */
int jitter_forward(const float *img, const float *m, int n0, int n1, int H, int W, float *out)
{
    if (W > MAX_W)
        return -1;
    float ix[MAX_W], iy[MAX_W];
    for (int b = n0; b < n1; b++) {
        const float *src = img + (int64_t)b * H * W, *mb = m + b * 6;
        float *dst = out + (int64_t)b * H * W;
        for (int y = 0; y < H; y++) {
            row_sources(mb, H, W, y, ix, iy);
            for (int x = 0; x < W; x++) {
                const int x0 = (int)ix[x], y0 = (int)iy[x]; /* >= 0, so this is floor */
                const float fx = ix[x] - x0, fy = iy[x] - y0;
                const float *s0 = src + y0 * W + x0;
                /* a neighbour past the edge has weight 0 (fx or fy is 0 there): read in bounds */
                const int dx = x0 + 1 < W, dy = y0 + 1 < H ? W : 0;
                const float top = (1 - fx) * s0[0] + fx * s0[dx];
                const float bot = (1 - fx) * s0[dy] + fx * s0[dy + dx];
                dst[y * W + x] = (1 - fy) * top + fy * bot;
            }
        }
    }
    return 0;
}

int jitter_backward(const float *gout, const float *m, int n0, int n1, int H, int W, float *gimg)
{
    if (W > MAX_W)
        return -1;
    float ix[MAX_W], iy[MAX_W];
    for (int b = n0; b < n1; b++) {
        const float *g = gout + (int64_t)b * H * W, *mb = m + b * 6;
        float *dst = gimg + (int64_t)b * H * W;
        memset(dst, 0, sizeof(float) * H * W);
        for (int y = 0; y < H; y++) {
            row_sources(mb, H, W, y, ix, iy);
            for (int x = 0; x < W; x++) {
                const int x0 = (int)ix[x], y0 = (int)iy[x];
                const float fx = ix[x] - x0, fy = iy[x] - y0, gv = g[y * W + x];
                float *d0 = dst + y0 * W + x0;
                const int dx = x0 + 1 < W, dy = y0 + 1 < H ? W : 0;
                d0[0] += (1 - fx) * (1 - fy) * gv;
                d0[dx] += fx * (1 - fy) * gv;
                d0[dy] += (1 - fx) * fy * gv;
                d0[dy + dx] += fx * fy * gv;
            }
        }
    }
    return 0;
}
