/* Convolutions (im2col / col2im + BLAS gemm) and pooling loops of the C backend.
 *
 * nnet.py compiles this file twice into one library, with `real` = float (names ending in
 * _f32) and = double (_f64). Every geometry is 3-D: a 2-D op passes depth 1, a window of 1,
 * stride 1 and no padding on the leading axis, so one set of loops serves conv2d and conv3d.
 * Arrays are C-contiguous (the Python side makes them so). BLAS is reached through the
 * address of a Fortran-convention gemm passed at each call (the one the products use, see
 * blas.py: NumPy's ILP64 OpenBLAS or SciPy's 32-bit routines): nothing links against a BLAS
 * library.
 */
#ifndef THEANO_NNET_COMMON
#define THEANO_NNET_COMMON
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* conv geometry, 23 int64s: batch, channels, filters, groups, then per axis (3 each):
 * input size, kernel size, output size, stride, dilation, padding before; last the output rows
 * (z, y pairs) per block of columns */
enum { G_B, G_C, G_F, G_GROUPS, G_IN, G_K = 7, G_OUT = 10, G_ST = 13, G_DIL = 16, G_PAD = 19, G_ROWS = 22 };

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

/* OpenBLAS's openblas_set_num_threads_local, when the BLAS has it. Despite its name it sets the
 * library's one global thread count in the pthreads builds that NumPy's and SciPy's wheels ship
 * (the previous count is returned), so it is called from the calling thread around a parallel
 * region, never from inside one: two of our threads saving and restoring it at once could leave
 * the whole process on one BLAS thread. Concurrent convolutions (from several Python threads)
 * share one count of users per library; the first saves the library's setting and the last
 * restores it. Meanwhile each gemm runs on the thread that calls it, instead of waking BLAS's
 * own threads to fight ours for the same cores. */
typedef int (*nnet_set_threads_fn)(int);

static struct {
    void *fn;
    int users, saved;
} nnet_blas_state[4];
static pthread_mutex_t nnet_blas_lock = PTHREAD_MUTEX_INITIALIZER;

static void nnet_blas_single(void *set_threads) {
    if (!set_threads) return;
    pthread_mutex_lock(&nnet_blas_lock);
    for (int i = 0; i < 4; i++)
        if (nnet_blas_state[i].fn == set_threads || !nnet_blas_state[i].fn) {
            nnet_blas_state[i].fn = set_threads;
            if (nnet_blas_state[i].users++ == 0) nnet_blas_state[i].saved = ((nnet_set_threads_fn)set_threads)(1);
            break;
        }
    pthread_mutex_unlock(&nnet_blas_lock);
}

static void nnet_blas_restore(void *set_threads) {
    if (!set_threads) return;
    pthread_mutex_lock(&nnet_blas_lock);
    for (int i = 0; i < 4; i++)
        if (nnet_blas_state[i].fn == set_threads) {
            if (--nnet_blas_state[i].users == 0 && nnet_blas_state[i].saved > 0)
                ((nnet_set_threads_fn)set_threads)(nnet_blas_state[i].saved);
            break;
        }
    pthread_mutex_unlock(&nnet_blas_lock);
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
typedef void (*SUF(gemm64_fn))(const char *, const char *, const int64_t *, const int64_t *,
                               const int64_t *, const real *, const real *, const int64_t *, const real *,
                               const int64_t *, const real *, real *, const int64_t *);

/* One Fortran-convention gemm, C = alpha * op(A) op(B) + beta * C, through either integer width:
 * NumPy's OpenBLAS takes 64-bit integers (ILP64), SciPy's exported routines 32-bit ones (the
 * Python side keeps every dimension below 2**31 for those). */
static void SUF(gemm)(void *fn, int ilp64, const char *ta, const char *tb, int64_t m, int64_t n, int64_t k,
                      real alpha, const real *a, int64_t lda, const real *b, int64_t ldb, real beta, real *c,
                      int64_t ldc) {
    if (ilp64) {
        ((SUF(gemm64_fn))fn)(ta, tb, &m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc);
    } else {
        int m4 = (int)m, n4 = (int)n, k4 = (int)k, lda4 = (int)lda, ldb4 = (int)ldb, ldc4 = (int)ldc;
        ((SUF(gemm_fn))fn)(ta, tb, &m4, &n4, &k4, &alpha, a, &lda4, b, &ldb4, &beta, c, &ldc4);
    }
}

/* col[(c, a, i, j), n] = img[c, z*st + a*dil - pad, ...] (0 in the padding) for the output
 * positions n of output rows [r0, r1) (a row is one (z, y) pair): the windows of cg channels of
 * one image as K rows of a row-major matrix whose rows are ld apart. Built a block of rows at a
 * time, the matrix stays in the cache for the gemm that reads it, instead of making a trip
 * through memory. */
static void SUF(im2col)(const real *img, real *col, const int64_t *g, int64_t cg, int64_t r0, int64_t r1,
                        int64_t ld) {
    const int64_t *in = g + G_IN, *k = g + G_K, *out = g + G_OUT, *st = g + G_ST, *dl = g + G_DIL,
                  *pd = g + G_PAD;
    int64_t nb = ld, plane = in[1] * in[2], vol = in[0] * plane;
    for (int64_t c = 0; c < cg; c++)
        for (int64_t a = 0; a < k[0]; a++)
            for (int64_t i = 0; i < k[1]; i++)
                for (int64_t j = 0; j < k[2]; j++) {
                    real *row = col + (((c * k[0] + a) * k[1] + i) * k[2] + j) * nb;
                    int64_t off = j * dl[2] - pd[2], lo, hi;
                    nnet_inside(off, st[2], in[2], out[2], &lo, &hi);
                    for (int64_t r = r0, z = r0 / out[1], y = r0 % out[1]; r < r1;
                         r++, y = y + 1 < out[1] ? y + 1 : (z++, 0)) {
                        int64_t iz = z * st[0] + a * dl[0] - pd[0];
                        int64_t iy = y * st[1] + i * dl[1] - pd[1];
                        real *dst = row + (r - r0) * out[2];
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

/* The adjoint of im2col for the same block of output rows: every column entry added back to
 * the pixel it was read from. */
static void SUF(col2im)(const real *col, real *img, const int64_t *g, int64_t cg, int64_t r0, int64_t r1,
                        int64_t ld) {
    const int64_t *in = g + G_IN, *k = g + G_K, *out = g + G_OUT, *st = g + G_ST, *dl = g + G_DIL,
                  *pd = g + G_PAD;
    int64_t nb = ld, plane = in[1] * in[2], vol = in[0] * plane;
    for (int64_t c = 0; c < cg; c++)
        for (int64_t a = 0; a < k[0]; a++)
            for (int64_t i = 0; i < k[1]; i++)
                for (int64_t j = 0; j < k[2]; j++) {
                    const real *row = col + (((c * k[0] + a) * k[1] + i) * k[2] + j) * nb;
                    int64_t off = j * dl[2] - pd[2], lo, hi;
                    nnet_inside(off, st[2], in[2], out[2], &lo, &hi);
                    for (int64_t r = r0, z = r0 / out[1], y = r0 % out[1]; r < r1;
                         r++, y = y + 1 < out[1] ? y + 1 : (z++, 0)) {
                        int64_t iz = z * st[0] + a * dl[0] - pd[0];
                        int64_t iy = y * st[1] + i * dl[1] - pd[1];
                        if (iz < 0 || iz >= in[0] || iy < 0 || iy >= in[1]) continue;
                        const real *src = row + (r - r0) * out[2];
                        real *dst = img + c * vol + iz * plane + iy * in[2];
                        /* one loop for every stride: a vectorized stride-1 copy of it spent more on
                         * its overlap checks than on the adds in rows this short (LeNet's input
                         * gradient ran 12% slower) */
                        for (int64_t x = lo; x < hi; x++) dst[x * st[2] + off] += src[x];
                    }
                }
}

/* A 1x1 kernel at stride 1 without padding reads the image as it is: no column matrix. */
static int SUF(is_pointwise)(const int64_t *g) {
    for (int d = 0; d < 3; d++)
        if (g[G_K + d] != 1 || g[G_ST + d] != 1 || g[G_PAD + d] != 0) return 0;
    return 1;
}

/* The work of a group is cut into blocks of columns whose matrix (K x columns) fits in a core's
 * cache, g[G_ROWS] output rows (z, y pairs) of them: a block is either some rows of one image
 * or, when an image has fewer rows than that, several whole images side by side (one larger
 * gemm instead of many small ones, each of which would pack the kernel again). */
typedef struct {
    int64_t B, C, F, G, cg, fg, K, N, vol, per_row, rows_all;
    int64_t rows, per_image; /* a block: `rows` rows of one image, or `per_image` whole images */
    int64_t blocks;          /* per group */
} SUF(conv_dims);

static SUF(conv_dims) SUF(dims)(const int64_t *g) {
    SUF(conv_dims) d;
    d.B = g[G_B], d.C = g[G_C], d.F = g[G_F], d.G = g[G_GROUPS];
    d.cg = d.C / d.G, d.fg = d.F / d.G;
    d.K = d.cg * g[G_K] * g[G_K + 1] * g[G_K + 2];
    d.per_row = g[G_OUT + 2];
    d.rows_all = g[G_OUT] * g[G_OUT + 1];
    d.N = d.rows_all * d.per_row;
    d.vol = g[G_IN] * g[G_IN + 1] * g[G_IN + 2];
    int64_t want = g[G_ROWS] < 1 ? 1 : g[G_ROWS];
    if (d.rows_all == 0) {
        d.rows = 1, d.per_image = 1, d.blocks = 0;
    } else if (want < 2 * d.rows_all || d.B < 2) {
        d.rows = want < d.rows_all ? want : d.rows_all, d.per_image = 1;
        d.blocks = d.B * ((d.rows_all + d.rows - 1) / d.rows);
    } else {
        d.rows = d.rows_all, d.per_image = want / d.rows_all < d.B ? want / d.rows_all : d.B;
        d.blocks = (d.B + d.per_image - 1) / d.per_image;
    }
    return d;
}

/* Block `t` of a group: images [b0, b1), output rows [r0, r1) of each. */
typedef struct {
    int64_t b0, b1, r0, r1, n0, nr, nb; /* nr columns per image from n0 on, nb in all */
} SUF(conv_block);

static SUF(conv_block) SUF(block)(const SUF(conv_dims) *d, int64_t t) {
    SUF(conv_block) k;
    if (d->per_image > 1) {
        k.b0 = t * d->per_image, k.b1 = k.b0 + d->per_image < d->B ? k.b0 + d->per_image : d->B;
        k.r0 = 0, k.r1 = d->rows_all;
    } else {
        int64_t per = (d->rows_all + d->rows - 1) / d->rows;
        k.b0 = t / per, k.b1 = k.b0 + 1, k.r0 = t % per * d->rows;
        k.r1 = k.r0 + d->rows < d->rows_all ? k.r0 + d->rows : d->rows_all;
    }
    k.n0 = k.r0 * d->per_row, k.nr = (k.r1 - k.r0) * d->per_row, k.nb = (k.b1 - k.b0) * k.nr;
    return k;
}

/* The columns of a block: each image's im2col, side by side. */
static void SUF(block_columns)(const real *img, real *col, const int64_t *g, const SUF(conv_dims) *d,
                               const SUF(conv_block) *k, int64_t grp) {
    for (int64_t b = k->b0; b < k->b1; b++)
        SUF(im2col)(img + (b * d->C + grp * d->cg) * d->vol, col + (b - k->b0) * k->nr, g, d->cg, k->r0, k->r1,
                    k->nb);
}

/* Between a (B, F, N) array's columns of a block and an nb x fg column-major matrix (the
 * layout gemm reads and writes), for blocks of several images. */
static void SUF(block_pack)(const real *x, real *tmp, const SUF(conv_dims) *d, const SUF(conv_block) *k,
                            int64_t grp) {
    for (int64_t f = 0; f < d->fg; f++)
        for (int64_t b = k->b0; b < k->b1; b++)
            memcpy(tmp + f * k->nb + (b - k->b0) * k->nr, x + (b * d->F + grp * d->fg + f) * d->N + k->n0,
                   sizeof(real) * k->nr);
}

static void SUF(block_unpack)(const real *tmp, real *x, const SUF(conv_dims) *d, const SUF(conv_block) *k,
                              int64_t grp) {
    for (int64_t f = 0; f < d->fg; f++)
        for (int64_t b = k->b0; b < k->b1; b++)
            memcpy(x + (b * d->F + grp * d->fg + f) * d->N + k->n0, tmp + f * k->nb + (b - k->b0) * k->nr,
                   sizeof(real) * k->nr);
}

/* Per-thread buffers: the block's columns, and for blocks of several images the nb x fg
 * matrix that stands for the output (or top) columns. NULL members where not needed. */
static int SUF(buffers)(const SUF(conv_dims) *d, int direct, real **col, real **tmp) {
    int64_t nb = d->per_image * d->rows * d->per_row;
    *col = direct ? NULL : (real *)malloc(sizeof(real) * d->K * nb);
    *tmp = d->per_image > 1 ? (real *)malloc(sizeof(real) * d->fg * nb) : NULL;
    return (!direct && !*col) || (d->per_image > 1 && !*tmp);
}

/* out[b, group] (fg x N) = kern[group] (fg x K) times columns (K x N), a block at a time. The
 * blocks are the tasks, handed out dynamically: on a machine shared with other work, a thread
 * that got less of its core takes fewer blocks instead of being waited for. Each gemm runs on
 * the thread that calls it. Returns -1 when out of memory. kern is (F, C/groups, k...) already
 * turned around for a convolution. */
int SUF(conv_forward)(const real *img, const real *kern, real *out, const int64_t *g, void *gemm_ptr,
                      void *set_threads, int ilp64) {
    SUF(conv_dims) d = SUF(dims)(g);
    int64_t tasks = d.G * d.blocks;
    int direct = SUF(is_pointwise)(g) && d.per_image == 1, failed = 0;
    int par = nnet_parallel(set_threads, tasks, d.per_image * d.rows * d.per_row, d.fg, d.K);
    if (par) nnet_blas_single(set_threads);
#pragma omp parallel if (par)
    {
        real *col, *tmp;
        if (SUF(buffers)(&d, direct, &col, &tmp)) failed = 1;
#pragma omp for schedule(dynamic)
        for (int64_t t = 0; t < tasks; t++) {
            int64_t grp = t / d.blocks;
            SUF(conv_block) k = SUF(block)(&d, t % d.blocks);
            const real *src = img + (k.b0 * d.C + grp * d.cg) * d.vol;
            real *dst = out + (k.b0 * d.F + grp * d.fg) * d.N + k.n0;
            if (failed) continue;
            if (!direct) SUF(block_columns)(img, col, g, &d, &k, grp);
            SUF(gemm)(gemm_ptr, ilp64, "N", "N", k.nb, d.fg, d.K, 1, direct ? src + k.n0 : col,
                      direct ? d.N : k.nb, kern + grp * d.fg * d.K, d.K, 0, tmp ? tmp : dst, tmp ? k.nb : d.N);
            if (tmp) SUF(block_unpack)(tmp, out, &d, &k, grp);
        }
        free(col);
        free(tmp);
    }
    if (par) nnet_blas_restore(set_threads);
    return failed ? -1 : 0;
}

/* dW = sum over blocks of top (fg x nb) times columns^T (nb x K): each thread sums its blocks
 * (a static share, so the order of the sums is fixed for a given thread count) into its own
 * buffer, added up at the end in thread order. */
int SUF(conv_grad_weights)(const real *img, const real *top, real *dw, const int64_t *g, void *gemm_ptr,
                           void *set_threads, int ilp64) {
    SUF(conv_dims) d = SUF(dims)(g);
    int64_t FK = d.F * d.K;
    int direct = SUF(is_pointwise)(g) && d.per_image == 1, failed = 0;
    int nthreads = nnet_parallel(set_threads, d.blocks, d.K, d.fg, d.N) ? nnet_max_threads() : 1;
    real *partial = nthreads > 1 ? (real *)calloc((size_t)(nthreads - 1) * FK, sizeof(real)) : NULL;
    if (nthreads > 1 && !partial) return -1;
    memset(dw, 0, sizeof(real) * FK);
    if (nthreads > 1) nnet_blas_single(set_threads);
#pragma omp parallel num_threads(nthreads)
    {
        int tid = nnet_thread();
        real *acc = tid == 0 ? dw : partial + (size_t)(tid - 1) * FK;
        real *col, *tmp;
        if (SUF(buffers)(&d, direct, &col, &tmp)) failed = 1;
#pragma omp for schedule(static)
        for (int64_t t = 0; t < d.blocks; t++) {
            if (failed) continue;
            SUF(conv_block) k = SUF(block)(&d, t);
            for (int64_t grp = 0; grp < d.G; grp++) {
                const real *src = img + (k.b0 * d.C + grp * d.cg) * d.vol;
                const real *gy = top + (k.b0 * d.F + grp * d.fg) * d.N + k.n0;
                if (!direct) SUF(block_columns)(img, col, g, &d, &k, grp);
                if (tmp) SUF(block_pack)(top, tmp, &d, &k, grp);
                SUF(gemm)(gemm_ptr, ilp64, "T", "N", d.K, d.fg, k.nb, 1, direct ? src + k.n0 : col,
                          direct ? d.N : k.nb, tmp ? tmp : gy, tmp ? k.nb : d.N, 1, acc + grp * d.fg * d.K, d.K);
            }
        }
        free(col);
        free(tmp);
    }
    if (nthreads > 1) nnet_blas_restore(set_threads);
    for (int t = 1; t < nthreads; t++) {
        const real *p = partial + (size_t)(t - 1) * FK;
        for (int64_t e = 0; e < FK; e++) dw[e] += p[e];
    }
    free(partial);
    return failed ? -1 : 0;
}

/* dImg: per block, columns = kern^T (K x fg) times top (fg x nb), then col2im. Blocks within one
 * image add into the same pixels, so a task is then a whole image and group, its blocks in
 * order; a block of whole images is a task of its own. */
int SUF(conv_grad_inputs)(const real *kern, const real *top, real *dimg, const int64_t *g, void *gemm_ptr,
                          void *set_threads, int ilp64) {
    SUF(conv_dims) d = SUF(dims)(g);
    int direct = SUF(is_pointwise)(g) && d.per_image == 1, failed = 0;
    int64_t per_task = d.per_image > 1 || d.B == 0 ? 1 : d.blocks / d.B, tasks = d.G * d.blocks / per_task;
    int par = nnet_parallel(set_threads, tasks, d.per_image * d.rows * d.per_row, d.K, d.fg);
    if (!direct) memset(dimg, 0, sizeof(real) * d.B * d.C * d.vol);
    if (par) nnet_blas_single(set_threads);
#pragma omp parallel if (par)
    {
        real *col, *tmp;
        if (SUF(buffers)(&d, direct, &col, &tmp)) failed = 1;
#pragma omp for schedule(dynamic)
        for (int64_t t = 0; t < tasks; t++) {
            int64_t per_group = d.blocks / per_task, grp = t / per_group, first = t % per_group * per_task;
            if (failed) continue;
            for (int64_t u = first; u < first + per_task; u++) {
                SUF(conv_block) k = SUF(block)(&d, u);
                real *dst = dimg + (k.b0 * d.C + grp * d.cg) * d.vol;
                const real *gy = top + (k.b0 * d.F + grp * d.fg) * d.N + k.n0;
                if (tmp) SUF(block_pack)(top, tmp, &d, &k, grp);
                SUF(gemm)(gemm_ptr, ilp64, "N", "T", k.nb, d.K, d.fg, 1, tmp ? tmp : gy, tmp ? k.nb : d.N,
                          kern + grp * d.fg * d.K, d.K, 0, direct ? dst + k.n0 : col, direct ? d.N : k.nb);
                if (!direct)
                    for (int64_t b = k.b0; b < k.b1; b++)
                        SUF(col2im)(col + (b - k.b0) * k.nr, dimg + (b * d.C + grp * d.cg) * d.vol, g, d.cg, k.r0,
                                    k.r1, k.nb);
            }
        }
        free(col);
        free(tmp);
    }
    if (par) nnet_blas_restore(set_threads);
    return failed ? -1 : 0;
}

/* v when keep, else +0.0, without a branch: which cell of a window holds its maximum is data,
 * and a mispredicted branch per cell cost five times the loop's own work (max pooling's
 * gradient on random data). Masking the bits keeps inf and NaN out of the cells that do not get
 * them (a multiplication by 0 would not), and adding +0.0 changes nothing: a cell starts at
 * +0.0 and a rounded sum never turns it into -0.0. */
static inline real SUF(kept)(int keep, real v) {
    if (sizeof(real) == 4) {
        uint32_t u;
        memcpy(&u, &v, 4);
        u &= -(uint32_t)keep;
        memcpy(&v, &u, 4);
    } else {
        uint64_t u;
        memcpy(&u, &v, 8);
        u &= -(uint64_t)keep;
        memcpy(&v, &u, 8);
    }
    return v;
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
                        drow[ox * st + off] += SUF(kept)(xrow[ox * st + off] == mrow[ox], grow[ox]);
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
                        dst[ox] += SUF(kept)(x[base + ox * st + off] == mrow[ox], ggx[base + ox * st + off]);
                }
            }
    }
    nnet_bounds_free(&w);
}
