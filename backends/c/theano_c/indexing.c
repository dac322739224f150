/* Integer-array indexing and log-sum-exp loops of the C backend (lowering_indexing.py).
 *
 * An index of k integer arrays over the leading axes of a C-contiguous x (the classic
 * x[arange(n), y], x[ilist]) is turned into one row offset per index position by
 * `row_offsets`: a row is what the index selects (x.shape[k:], `rowbytes` bytes). Gathers
 * copy rows out, scatters write or add rows in, in index order, so a repeated index adds
 * every time (NumPy's np.add.at, Theano's AdvancedIncSubtensor) and the last write wins.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

/* idx: k x n int64 (the broadcast index arrays, one per axis); dims: the k axis lengths.
 * Writes n row numbers into `offsets`; negative indices count from the end. Returns -1, or
 * the flat position d * n + i of the first index out of range (the caller raises). */
int64_t row_offsets(int64_t n, int64_t k, const int64_t *idx, const int64_t *dims, int64_t *offsets)
{
    for (int64_t i = 0; i < n; i++)
        offsets[i] = 0;
    for (int64_t d = 0; d < k; d++) {
        const int64_t len = dims[d];
        const int64_t *v = idx + d * n;
        for (int64_t i = 0; i < n; i++) {
            int64_t j = v[i];
            if (j < 0)
                j += len;
            if (j < 0 || j >= len)
                return d * n + i;
            offsets[i] = offsets[i] * len + j;
        }
    }
    return -1;
}

/* out[i] = x[offsets[i]] for n rows of `rowbytes` bytes. */
void gather_rows(const char *x, const int64_t *offsets, int64_t n, int64_t rowbytes, char *out)
{
    if (rowbytes == 8) {
        const uint64_t *s = (const uint64_t *)x;
        uint64_t *o = (uint64_t *)out;
        for (int64_t i = 0; i < n; i++)
            o[i] = s[offsets[i]];
    } else if (rowbytes == 4) {
        const uint32_t *s = (const uint32_t *)x;
        uint32_t *o = (uint32_t *)out;
        for (int64_t i = 0; i < n; i++)
            o[i] = s[offsets[i]];
    } else {
        for (int64_t i = 0; i < n; i++)
            memcpy(out + i * rowbytes, x + offsets[i] * rowbytes, (size_t)rowbytes);
    }
}

/* x[offsets[i]] = y[i] (ystride 0: the same row y for every i), in index order. */
void scatter_set_rows(char *x, const int64_t *offsets, int64_t n, int64_t rowbytes, const char *y,
                      int64_t ystride)
{
    for (int64_t i = 0; i < n; i++)
        memcpy(x + offsets[i] * rowbytes, y + i * ystride, (size_t)rowbytes);
}

/* x[offsets[i]] += y[i] element by element over rows of `rowlen` elements, in index order
 * (ystride in elements; 0: the same row for every i). */
#define SCATTER_ADD(T, NAME)                                                                    \
    void scatter_add_##NAME(T *x, const int64_t *offsets, int64_t n, int64_t rowlen,            \
                            const T *y, int64_t ystride)                                        \
    {                                                                                          \
        for (int64_t i = 0; i < n; i++) {                                                      \
            T *row = x + offsets[i] * rowlen;                                                  \
            const T *src = y + i * ystride;                                                    \
            for (int64_t j = 0; j < rowlen; j++)                                               \
                row[j] = (T)(row[j] + src[j]);                                                 \
        }                                                                                      \
    }
SCATTER_ADD(float, float32)
SCATTER_ADD(double, float64)
SCATTER_ADD(int8_t, int8)
SCATTER_ADD(int16_t, int16)
SCATTER_ADD(int32_t, int32)
SCATTER_ADD(int64_t, int64)
SCATTER_ADD(uint8_t, uint8)
SCATTER_ADD(uint16_t, uint16)
SCATTER_ADD(uint32_t, uint32)
SCATTER_ADD(uint64_t, uint64)

/* out[r] = m + log(sum_j exp(x[r, j] - m)) over rows of `len`, m the row's maximum (0 when
 * that maximum is not finite, so +-inf rows give what the naive form gives; a NaN
 * propagates). exp runs in the input's type, the sum and the log in the accumulator's, as
 * LogSumExp's meaning does. */
#define LOGSUMEXP(T, EXP, ACC, LOG, NAME)                                                       \
    void logsumexp_##NAME(const T *x, int64_t rows, int64_t len, ACC *out)                      \
    {                                                                                          \
        for (int64_t r = 0; r < rows; r++) {                                                   \
            const T *v = x + r * len;                                                          \
            T m = (T)-INFINITY;                                                                \
            for (int64_t j = 0; j < len; j++)                                                  \
                if (v[j] > m || v[j] != v[j]) {                                                \
                    m = v[j];                                                                  \
                    if (m != m)                                                                \
                        break;                                                                 \
                }                                                                              \
            if (!isfinite(m) && m == m)                                                        \
                m = 0;                                                                         \
            ACC s = 0;                                                                         \
            for (int64_t j = 0; j < len; j++)                                                  \
                s += (ACC)EXP((T)(v[j] - m));                                                  \
            out[r] = LOG(s) + (ACC)m;                                                          \
        }                                                                                      \
    }
LOGSUMEXP(float, expf, float, logf, f32_f32)
LOGSUMEXP(float, expf, double, log, f32_f64)
LOGSUMEXP(double, exp, double, log, f64_f64)
LOGSUMEXP(double, exp, float, logf, f64_f32)

/* The categorical cross-entropy of one-hot targets: out[r] = -log(x[r, y[r]]), and its
 * gradient gx[r, y[r]] = -g[r] / x[r, y[r]] (gx zero elsewhere, filled by the caller).
 * Returns -1, or the row of the first class index out of [0, cols) (the caller raises). */
#define XENT_1HOT(T, LOG, NAME)                                                                 \
    int64_t xent_1hot_##NAME(const T *x, int64_t rows, int64_t cols, const int64_t *y, T *out)  \
    {                                                                                          \
        for (int64_t r = 0; r < rows; r++)                                                     \
            if (y[r] < 0 || y[r] >= cols)                                                      \
                return r;                                                                      \
        for (int64_t r = 0; r < rows; r++)                                                     \
            out[r] = -LOG(x[r * cols + y[r]]);                                                 \
        return -1;                                                                             \
    }                                                                                          \
    int64_t xent_1hot_grad_##NAME(const T *g, const T *x, int64_t rows, int64_t cols,           \
                                  const int64_t *y, T *gx)                                     \
    {                                                                                          \
        for (int64_t r = 0; r < rows; r++)                                                     \
            if (y[r] < 0 || y[r] >= cols)                                                      \
                return r;                                                                      \
        for (int64_t r = 0; r < rows; r++)                                                     \
            gx[r * cols + y[r]] = -g[r] / x[r * cols + y[r]];                                  \
        return -1;                                                                             \
    }
XENT_1HOT(float, logf, float32)
XENT_1HOT(double, log, float64)
