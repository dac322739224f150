/* Convolutions (im2col / col2im + BLAS gemm) and pooling loops of the C backend.
 *
 * nnet.py compiles this file twice into one library, with `real` = float (names ending in
 * _f32) and = double (_f64). Every geometry is 3-D: a 2-D op passes depth 1, a window of 1,
 * stride 1 and no padding on the leading axis, so one set of loops serves conv2d and conv3d.
 * Arrays are C-contiguous (the Python side makes them so). BLAS is reached through the
 * address of a Fortran-convention gemm passed at each call (SciPy's, see blas.py): nothing
 * links against a BLAS library.
 */
#ifndef THEANO_NNET_COMMON
#define THEANO_NNET_COMMON
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* conv geometry, 22 int64s: batch, channels, filters, groups, then per axis (3 each):
 * input size, kernel size, output size, stride, dilation, padding before */
enum { G_B, G_C, G_F, G_GROUPS, G_IN, G_K = 7, G_OUT = 10, G_ST = 13, G_DIL = 16, G_PAD = 19 };

/* pool geometry, 17 int64s: images (all leading axes), mode, then per axis: input size,
 * window, stride, padding, output size */
enum { P_N, P_MODE, P_IN, P_WS = 5, P_ST = 8, P_PAD = 11, P_OUT = 14 };
enum { POOL_MAX, POOL_SUM, POOL_AVG_INC, POOL_AVG_EXC };

static int nnet_max_threads(void) {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

/* OpenBLAS's openblas_set_num_threads_local, when the BLAS has it: a gemm called from one of our
 * threads runs on that thread alone, instead of waking BLAS's own threads to fight ours. */
typedef int (*nnet_set_threads_fn)(int);

static int nnet_blas_single(void *set_threads) {
    return set_threads ? ((nnet_set_threads_fn)set_threads)(1) : 0;
}

static void nnet_blas_restore(void *set_threads, int previous) {
    if (set_threads) ((nnet_set_threads_fn)set_threads)(previous);
}

/* Without that control, threads go over the images only when BLAS would run each product on
 * one thread anyway (OpenBLAS splits a gemm from 4 * 65536 multiply-adds on). */
static int nnet_parallel(void *set_threads, int64_t jobs, int64_t m, int64_t n, int64_t k) {
    return jobs > 1 && nnet_max_threads() > 1 && (set_threads || m * n * k < 4 * 65536);
}

static int nnet_thread(void) {
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* The output positions x (0 <= x < out) whose input index x * st + off lies in [0, size). */
static void nnet_inside(int64_t off, int64_t st, int64_t size, int64_t out, int64_t *lo, int64_t *hi) {
    int64_t l = off < 0 ? (-off + st - 1) / st : 0;
    int64_t h = size - 1 - off >= 0 ? (size - 1 - off) / st + 1 : 0;
    if (h > out) h = out;
    if (l > h) l = h;
    *lo = l;
    *hi = h;
}

/* Threads are woken for pooling only past this many window reads. */
#define NNET_POOL_PARALLEL (1 << 18)

/* Per axis and output position, the real (unpadded) cells [lo, hi) of its window, and for
 * average_inc_pad the window's length counting padding but not what lies past the padding. */
typedef struct {
    int64_t *lo[3], *hi[3], *inc[3];
    int64_t *jlo, *jhi; /* per offset j in a window along the last axis: the outputs it is real for */
    int64_t *buffer;
} nnet_bounds;

static int nnet_bounds_make(const int64_t *p, nnet_bounds *w) {
    int64_t total = p[P_OUT] + p[P_OUT + 1] + p[P_OUT + 2];
    w->buffer = (int64_t *)malloc(sizeof(int64_t) * (3 * (total + 3) + 2 * p[P_WS + 2]));
    if (!w->buffer) return -1;
    int64_t *at = w->buffer;
    for (int ax = 0; ax < 3; ax++) {
        int64_t n = p[P_OUT + ax], size = p[P_IN + ax], pad = p[P_PAD + ax];
        w->lo[ax] = at;
        w->hi[ax] = at + n;
        w->inc[ax] = at + 2 * n;
        at += 3 * n + 3;
        for (int64_t o = 0; o < n; o++) {
            int64_t start = o * p[P_ST + ax], end = start + p[P_WS + ax];
            w->inc[ax][o] = (end < size + 2 * pad ? end : size + 2 * pad) - start;
            start -= pad;
            end -= pad;
            w->lo[ax][o] = start > 0 ? start : 0;
            w->hi[ax][o] = end < size ? end : size;
            if (w->hi[ax][o] < w->lo[ax][o]) w->hi[ax][o] = w->lo[ax][o];
        }
    }
    w->jlo = at;
    w->jhi = at + p[P_WS + 2];
    for (int64_t j = 0; j < p[P_WS + 2]; j++)
        nnet_inside(j - p[P_PAD + 2], p[P_ST + 2], p[P_IN + 2], p[P_OUT + 2], &w->jlo[j], &w->jhi[j]);
    return 0;
}

static void nnet_bounds_free(nnet_bounds *w) { free(w->buffer); }

static double nnet_count(const nnet_bounds *w, int64_t mode, int64_t oz, int64_t oy, int64_t ox) {
    if (mode == POOL_AVG_INC) return (double)(w->inc[0][oz] * w->inc[1][oy] * w->inc[2][ox]);
    return (double)((w->hi[0][oz] - w->lo[0][oz]) * (w->hi[1][oy] - w->lo[1][oy]) *
                    (w->hi[2][ox] - w->lo[2][ox]));
}
#endif /* THEANO_NNET_COMMON */

typedef void (*SUF(gemm_fn))(const char *, const char *, const int *, const int *, const int *,
                             const real *, const real *, const int *, const real *, const int *,
                             const real *, real *, const int *);

/* col[(c, a, i, j), (z, y, x)] = img[c, z*st + a*dil - pad, ...] (0 in the padding): the
 * windows of cg channels of one image as a K x N row-major matrix. */
static void SUF(im2col)(const real *img, real *col, const int64_t *g, int64_t cg) {
    const int64_t *in = g + G_IN, *k = g + G_K, *out = g + G_OUT, *st = g + G_ST, *dl = g + G_DIL,
                  *pd = g + G_PAD;
    int64_t N = out[0] * out[1] * out[2], plane = in[1] * in[2], vol = in[0] * plane;
    for (int64_t c = 0; c < cg; c++)
        for (int64_t a = 0; a < k[0]; a++)
            for (int64_t i = 0; i < k[1]; i++)
                for (int64_t j = 0; j < k[2]; j++) {
                    real *row = col + (((c * k[0] + a) * k[1] + i) * k[2] + j) * N;
                    int64_t off = j * dl[2] - pd[2], lo, hi;
                    nnet_inside(off, st[2], in[2], out[2], &lo, &hi);
                    for (int64_t z = 0; z < out[0]; z++) {
                        int64_t iz = z * st[0] + a * dl[0] - pd[0];
                        for (int64_t y = 0; y < out[1]; y++) {
                            int64_t iy = y * st[1] + i * dl[1] - pd[1];
                            real *dst = row + (z * out[1] + y) * out[2];
                            if (iz < 0 || iz >= in[0] || iy < 0 || iy >= in[1]) {
                                memset(dst, 0, sizeof(real) * out[2]);
                                continue;
                            }
                            const real *src = img + c * vol + iz * plane + iy * in[2];
                            for (int64_t x = 0; x < lo; x++) dst[x] = 0;
                            if (st[2] == 1)
                                memcpy(dst + lo, src + lo + off, sizeof(real) * (hi - lo));
                            else
                                for (int64_t x = lo; x < hi; x++) dst[x] = src[x * st[2] + off];
                            for (int64_t x = hi; x < out[2]; x++) dst[x] = 0;
                        }
                    }
                }
}

/* The adjoint of im2col: every column entry added back to the pixel it was read from. */
static void SUF(col2im)(const real *col, real *img, const int64_t *g, int64_t cg) {
    const int64_t *in = g + G_IN, *k = g + G_K, *out = g + G_OUT, *st = g + G_ST, *dl = g + G_DIL,
                  *pd = g + G_PAD;
    int64_t N = out[0] * out[1] * out[2], plane = in[1] * in[2], vol = in[0] * plane;
    for (int64_t c = 0; c < cg; c++)
        for (int64_t a = 0; a < k[0]; a++)
            for (int64_t i = 0; i < k[1]; i++)
                for (int64_t j = 0; j < k[2]; j++) {
                    const real *row = col + (((c * k[0] + a) * k[1] + i) * k[2] + j) * N;
                    int64_t off = j * dl[2] - pd[2], lo, hi;
                    nnet_inside(off, st[2], in[2], out[2], &lo, &hi);
                    for (int64_t z = 0; z < out[0]; z++) {
                        int64_t iz = z * st[0] + a * dl[0] - pd[0];
                        if (iz < 0 || iz >= in[0]) continue;
                        for (int64_t y = 0; y < out[1]; y++) {
                            int64_t iy = y * st[1] + i * dl[1] - pd[1];
                            if (iy < 0 || iy >= in[1]) continue;
                            const real *src = row + (z * out[1] + y) * out[2];
                            real *dst = img + c * vol + iz * plane + iy * in[2];
                            for (int64_t x = lo; x < hi; x++) dst[x * st[2] + off] += src[x];
                        }
                    }
                }
}

/* A 1x1 kernel at stride 1 without padding reads the image as it is: no column matrix. */
static int SUF(is_pointwise)(const int64_t *g) {
    for (int d = 0; d < 3; d++)
        if (g[G_K + d] != 1 || g[G_ST + d] != 1 || g[G_PAD + d] != 0) return 0;
    return 1;
}

/* Threads go over the images; each runs its own (single) gemm calls. Returns -1 when out of
 * memory. kern is (F, C/groups, k...) already turned around for a convolution. */
int SUF(conv_forward)(const real *img, const real *kern, real *out, const int64_t *g, void *gemm_ptr,
                      void *set_threads) {
    SUF(gemm_fn) gemm = (SUF(gemm_fn))gemm_ptr;
    int64_t B = g[G_B], C = g[G_C], F = g[G_F], G = g[G_GROUPS], cg = C / G, fg = F / G;
    int64_t K = cg * g[G_K] * g[G_K + 1] * g[G_K + 2];
    int64_t N = g[G_OUT] * g[G_OUT + 1] * g[G_OUT + 2], vol = g[G_IN] * g[G_IN + 1] * g[G_IN + 2];
    int direct = SUF(is_pointwise)(g), failed = 0;
    int m = (int)N, n = (int)fg, kk = (int)K;
    const real one = 1, zero = 0;
    int par = nnet_parallel(set_threads, B * G, N, fg, K);
#pragma omp parallel if (par)
    {
        int previous = par ? nnet_blas_single(set_threads) : 0;
        real *col = direct ? NULL : (real *)malloc(sizeof(real) * K * N);
        if (!direct && !col) failed = 1;
#pragma omp for schedule(static)
        for (int64_t t = 0; t < B * G; t++) {
            int64_t b = t / G, grp = t % G;
            const real *src = img + (b * C + grp * cg) * vol;
            if (failed) continue;
            if (!direct) SUF(im2col)(src, col, g, cg);
            gemm("N", "N", &m, &n, &kk, &one, direct ? src : col, &m, kern + grp * fg * K, &kk, &zero,
                 out + (b * F + grp * fg) * N, &m);
        }
        free(col);
        if (par) nnet_blas_restore(set_threads, previous);
    }
    return failed ? -1 : 0;
}

/* dW = sum over images of top (fg x N) times columns^T (N x K): each thread sums its images into
 * its own buffer, added up at the end in thread order. */
int SUF(conv_grad_weights)(const real *img, const real *top, real *dw, const int64_t *g,
                           void *gemm_ptr, void *set_threads) {
    SUF(gemm_fn) gemm = (SUF(gemm_fn))gemm_ptr;
    int64_t B = g[G_B], C = g[G_C], F = g[G_F], G = g[G_GROUPS], cg = C / G, fg = F / G;
    int64_t K = cg * g[G_K] * g[G_K + 1] * g[G_K + 2];
    int64_t N = g[G_OUT] * g[G_OUT + 1] * g[G_OUT + 2], vol = g[G_IN] * g[G_IN + 1] * g[G_IN + 2];
    int direct = SUF(is_pointwise)(g), failed = 0;
    int nthreads = nnet_parallel(set_threads, B, K, fg, N) ? nnet_max_threads() : 1;
    real *partial = nthreads > 1 ? (real *)calloc((size_t)(nthreads - 1) * F * K, sizeof(real)) : NULL;
    if (nthreads > 1 && !partial) return -1;
    int m = (int)K, n = (int)fg, kk = (int)N;
    const real one = 1;
    memset(dw, 0, sizeof(real) * F * K);
#pragma omp parallel num_threads(nthreads)
    {
        int tid = nnet_thread();
        int previous = nthreads > 1 ? nnet_blas_single(set_threads) : 0;
        real *acc = tid == 0 ? dw : partial + (size_t)(tid - 1) * F * K;
        real *col = direct ? NULL : (real *)malloc(sizeof(real) * K * N);
        if (!direct && !col) failed = 1;
#pragma omp for schedule(static)
        for (int64_t b = 0; b < B; b++) {
            if (failed) continue;
            for (int64_t grp = 0; grp < G; grp++) {
                const real *src = img + (b * C + grp * cg) * vol;
                if (!direct) SUF(im2col)(src, col, g, cg);
                gemm("T", "N", &m, &n, &kk, &one, direct ? src : col, &kk, top + (b * F + grp * fg) * N,
                     &kk, &one, acc + grp * fg * K, &m);
            }
        }
        free(col);
        if (nthreads > 1) nnet_blas_restore(set_threads, previous);
    }
    for (int t = 1; t < nthreads; t++) {
        const real *p = partial + (size_t)(t - 1) * F * K;
        for (int64_t e = 0; e < F * K; e++) dw[e] += p[e];
    }
    free(partial);
    return failed ? -1 : 0;
}

/* dImg: per image, columns = kern^T (K x fg) times top (fg x N), then col2im. */
int SUF(conv_grad_inputs)(const real *kern, const real *top, real *dimg, const int64_t *g,
                          void *gemm_ptr, void *set_threads) {
    SUF(gemm_fn) gemm = (SUF(gemm_fn))gemm_ptr;
    int64_t B = g[G_B], C = g[G_C], F = g[G_F], G = g[G_GROUPS], cg = C / G, fg = F / G;
    int64_t K = cg * g[G_K] * g[G_K + 1] * g[G_K + 2];
    int64_t N = g[G_OUT] * g[G_OUT + 1] * g[G_OUT + 2], vol = g[G_IN] * g[G_IN + 1] * g[G_IN + 2];
    int direct = SUF(is_pointwise)(g), failed = 0;
    int m = (int)N, n = (int)K, kk = (int)fg;
    const real one = 1, zero = 0;
    int par = nnet_parallel(set_threads, B * G, N, K, fg);
    if (!direct) memset(dimg, 0, sizeof(real) * B * C * vol);
#pragma omp parallel if (par)
    {
        int previous = par ? nnet_blas_single(set_threads) : 0;
        real *col = direct ? NULL : (real *)malloc(sizeof(real) * K * N);
        if (!direct && !col) failed = 1;
#pragma omp for schedule(static)
        for (int64_t t = 0; t < B * G; t++) {
            int64_t b = t / G, grp = t % G;
            real *dst = dimg + (b * C + grp * cg) * vol;
            if (failed) continue;
            gemm("N", "T", &m, &n, &kk, &one, top + (b * F + grp * fg) * N, &m, kern + grp * fg * K, &n,
                 &zero, direct ? dst : col, &m);
            if (!direct) SUF(col2im)(col, dst, g, cg);
        }
        free(col);
        if (par) nnet_blas_restore(set_threads, previous);
    }
    return failed ? -1 : 0;
}

/* Pooling goes one row of outputs (an image, oz, oy) at a time, and within a row offset by
 * offset through the window: each offset is one strided pass over the row, so the loops are
 * long and the cells are added in the order the NumPy meaning adds them (sums are identical). */
static void SUF(pool_row)(const real *src, real *dst, const int64_t *p, const nnet_bounds *w,
                          int64_t oz, int64_t oy) {
    const int64_t *in = p + P_IN;
    int64_t mode = p[P_MODE], n = p[P_OUT + 2], st = p[P_ST + 2], pad = p[P_PAD + 2];
    real init = mode == POOL_MAX ? -INFINITY : 0;
    for (int64_t ox = 0; ox < n; ox++) dst[ox] = init;
    for (int64_t a = w->lo[0][oz]; a < w->hi[0][oz]; a++)
        for (int64_t b = w->lo[1][oy]; b < w->hi[1][oy]; b++) {
            const real *row = src + (a * in[1] + b) * in[2];
            for (int64_t j = 0; j < p[P_WS + 2]; j++) {
                int64_t lo = w->jlo[j], hi = w->jhi[j], off = j - pad;
                if (mode == POOL_MAX) {
                    for (int64_t ox = lo; ox < hi; ox++) {
                        real v = row[ox * st + off], m = dst[ox];
                        dst[ox] = (v > m || (v != v && m == m)) ? v : m; /* NaN wins, as in NumPy */
                    }
                } else {
                    for (int64_t ox = lo; ox < hi; ox++) dst[ox] += row[ox * st + off];
                }
            }
        }
    if (mode == POOL_AVG_INC || mode == POOL_AVG_EXC)
        for (int64_t ox = 0; ox < n; ox++) dst[ox] /= (real)nnet_count(w, mode, oz, oy, ox);
}

void SUF(pool_forward)(const real *x, real *y, const int64_t *p) {
    const int64_t *in = p + P_IN, *out = p + P_OUT;
    int64_t ivol = in[0] * in[1] * in[2], rows = p[P_N] * out[0] * out[1];
    int64_t work = rows * out[2] * p[P_WS] * p[P_WS + 1] * p[P_WS + 2];
    nnet_bounds w;
    if (nnet_bounds_make(p, &w)) return;
#pragma omp parallel for schedule(static) if (work > NNET_POOL_PARALLEL)
    for (int64_t r = 0; r < rows; r++) {
        int64_t img = r / (out[0] * out[1]);
        SUF(pool_row)(x + img * ivol, y + r * out[2], p, &w, r / out[1] % out[0], r % out[1]);
    }
    nnet_bounds_free(&w);
}

/* The gradients (gz and maxout rows for one output row, gx of the image). max: gz goes to the
 * cells equal to the window's maximum (all of them on a tie); sum and averages: gz, divided
 * by the window's count, goes to every cell. */
static void SUF(pool_grad_row)(const real *src, const real *mrow, const real *grow, real *scratch,
                               real *dst, const int64_t *p, const nnet_bounds *w, int64_t oz, int64_t oy) {
    const int64_t *in = p + P_IN;
    int64_t mode = p[P_MODE], n = p[P_OUT + 2], st = p[P_ST + 2], pad = p[P_PAD + 2];
    if (mode == POOL_AVG_INC || mode == POOL_AVG_EXC) {
        for (int64_t ox = 0; ox < n; ox++) scratch[ox] = grow[ox] / (real)nnet_count(w, mode, oz, oy, ox);
        grow = scratch;
    }
    for (int64_t a = w->lo[0][oz]; a < w->hi[0][oz]; a++)
        for (int64_t b = w->lo[1][oy]; b < w->hi[1][oy]; b++) {
            int64_t base = (a * in[1] + b) * in[2];
            const real *xrow = src + base;
            real *drow = dst + base;
            for (int64_t j = 0; j < p[P_WS + 2]; j++) {
                int64_t lo = w->jlo[j], hi = w->jhi[j], off = j - pad;
                if (mode == POOL_MAX) {
                    for (int64_t ox = lo; ox < hi; ox++)
                        if (xrow[ox * st + off] == mrow[ox]) drow[ox * st + off] += grow[ox];
                } else {
                    for (int64_t ox = lo; ox < hi; ox++) drow[ox * st + off] += grow[ox];
                }
            }
        }
}

/* Threads take whole images, so no two write the same cell. */
void SUF(pool_grad)(const real *x, const real *maxout, const real *gz, real *gx, const int64_t *p) {
    const int64_t *in = p + P_IN, *out = p + P_OUT;
    int64_t n = p[P_N], ivol = in[0] * in[1] * in[2], ovol = out[0] * out[1] * out[2];
    int64_t work = n * ovol * p[P_WS] * p[P_WS + 1] * p[P_WS + 2];
    nnet_bounds w;
    if (nnet_bounds_make(p, &w)) return;
#pragma omp parallel if (work > NNET_POOL_PARALLEL && n > 1)
    {
        real *scratch = (real *)malloc(sizeof(real) * (out[2] + 1));
#pragma omp for schedule(static)
        for (int64_t img = 0; img < n; img++) {
            memset(gx + img * ivol, 0, sizeof(real) * ivol);
            for (int64_t oz = 0; oz < out[0]; oz++)
                for (int64_t oy = 0; oy < out[1]; oy++) {
                    int64_t o = img * ovol + (oz * out[1] + oy) * out[2];
                    SUF(pool_grad_row)(x + img * ivol, maxout + o, gz + o, scratch, gx + img * ivol, p, &w,
                                       oz, oy);
                }
        }
        free(scratch);
    }
    nnet_bounds_free(&w);
}

/* The gradient of max pooling's gradient: per window, the sum of ggx over its maxima. */
void SUF(pool_grad_grad)(const real *x, const real *maxout, const real *ggx, real *out, const int64_t *p) {
    const int64_t *in = p + P_IN, *o_ = p + P_OUT;
    int64_t ivol = in[0] * in[1] * in[2], rows = p[P_N] * o_[0] * o_[1], n = o_[2];
    int64_t st = p[P_ST + 2], pad = p[P_PAD + 2];
    int64_t work = rows * n * p[P_WS] * p[P_WS + 1] * p[P_WS + 2];
    nnet_bounds w;
    if (nnet_bounds_make(p, &w)) return;
#pragma omp parallel for schedule(static) if (work > NNET_POOL_PARALLEL)
    for (int64_t r = 0; r < rows; r++) {
        int64_t img = r / (o_[0] * o_[1]), oz = r / o_[1] % o_[0], oy = r % o_[1];
        const real *mrow = maxout + r * n;
        real *dst = out + r * n;
        for (int64_t ox = 0; ox < n; ox++) dst[ox] = 0;
        for (int64_t a = w.lo[0][oz]; a < w.hi[0][oz]; a++)
            for (int64_t b = w.lo[1][oy]; b < w.hi[1][oy]; b++) {
                int64_t base = img * ivol + (a * in[1] + b) * in[2];
                for (int64_t j = 0; j < p[P_WS + 2]; j++) {
                    int64_t lo = w.jlo[j], hi = w.jhi[j], off = j - pad;
                    for (int64_t ox = lo; ox < hi; ox++)
                        if (x[base + ox * st + off] == mrow[ox]) dst[ox] += ggx[base + ox * st + off];
                }
            }
    }
    nnet_bounds_free(&w);
}
