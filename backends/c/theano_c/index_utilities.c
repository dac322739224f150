/* Index utilities of the C backend (lowering_index_utilities.py): nonzero, bincount,
 * ravel_multi_index, unravel_index and inverse_permutation as plain loops over C-contiguous
 * int64 arrays. A function that meets an input NumPy refuses returns a negative value and
 * writes nothing it would not also write on success; the caller then runs the op's NumPy
 * meaning, which raises NumPy's own error. */
#include <stdint.h>
#include <string.h>

/* kind of the elements tested by nonzero: 0 integers and bool (any nonzero byte), 1 float32,
 * 2 float64, 3 complex64, 4 complex128 (-0.0 is zero, NaN is not) */
static int is_nonzero(const char *p, int kind, int64_t itemsize) {
    switch (kind) {
    case 1: return *(const float *)p != 0;
    case 2: return *(const double *)p != 0;
    case 3: return ((const float *)p)[0] != 0 || ((const float *)p)[1] != 0;
    case 4: return ((const double *)p)[0] != 0 || ((const double *)p)[1] != 0;
    default:
        for (int64_t b = 0; b < itemsize; ++b)
            if (p[b]) return 1;
        return 0;
    }
}

int64_t count_nonzero(const char *a, int64_t n, int kind, int64_t itemsize) {
    int64_t count = 0;
    for (int64_t i = 0; i < n; ++i) count += is_nonzero(a + i * itemsize, kind, itemsize);
    return count;
}

/* out: (ndim, count) row-major, the multi-index of each nonzero element in C order */
void nonzero_indices(const char *a, int64_t n, int kind, int64_t itemsize, int64_t ndim,
                     const int64_t *shape, int64_t count, int64_t *out) {
    int64_t k = 0;
    for (int64_t i = 0; i < n; ++i) {
        if (!is_nonzero(a + i * itemsize, kind, itemsize)) continue;
        int64_t rem = i;
        for (int64_t d = ndim - 1; d >= 0; --d) {
            out[d * count + k] = rem % shape[d];
            rem /= shape[d];
        }
        ++k;
    }
}

/* the number of bins (max + 1, at least minlength); -1 for a negative value */
int64_t bincount_length(const int64_t *x, int64_t n, int64_t minlength) {
    int64_t m = -1;
    for (int64_t i = 0; i < n; ++i) {
        if (x[i] < 0) return -1;
        if (x[i] > m) m = x[i];
    }
    return m + 1 > minlength ? m + 1 : minlength;
}

void bincount_counts(const int64_t *x, int64_t n, int64_t *out) {
    for (int64_t i = 0; i < n; ++i) out[x[i]] += 1;
}

void bincount_weights(const int64_t *x, const double *w, int64_t n, double *out) {
    for (int64_t i = 0; i < n; ++i) out[x[i]] += w[i];
}

/* mode: 0 raise, 1 wrap, 2 clip; order: 0 C, 1 F. idx: (k, n) row-major. -1: out of range */
int64_t ravel_multi_index(const int64_t *idx, int64_t k, int64_t n, const int64_t *dims, int mode,
                          int order, int64_t *out) {
    for (int64_t i = 0; i < n; ++i) {
        int64_t flat = 0, stride = 1;
        for (int64_t s = 0; s < k; ++s) {
            const int64_t d = order == 0 ? k - 1 - s : s;
            int64_t v = idx[d * n + i];
            const int64_t m = dims[d];
            if (v < 0 || v >= m) {
                if (mode == 0 || m == 0) return -1;
                if (mode == 1) { v %= m; if (v < 0) v += m; }
                else v = v < 0 ? 0 : m - 1;
            }
            flat += v * stride;
            stride *= m;
        }
        out[i] = flat;
    }
    return 0;
}

/* out: (k, n) row-major; -1: an index outside 0..prod(dims)-1 */
int64_t unravel_index(const int64_t *flat, int64_t n, const int64_t *dims, int64_t k, int order,
                      int64_t *out) {
    int64_t size = 1;
    for (int64_t d = 0; d < k; ++d) size *= dims[d];
    for (int64_t i = 0; i < n; ++i)
        if (flat[i] < 0 || flat[i] >= size) return -1;
    for (int64_t i = 0; i < n; ++i) {
        int64_t rem = flat[i];
        for (int64_t s = 0; s < k; ++s) {
            const int64_t d = order == 0 ? k - 1 - s : s;
            out[d * n + i] = rem % dims[d];
            rem /= dims[d];
        }
    }
    return 0;
}

/* rows of length m; -1 when a row is not a permutation of 0..m-1 (seen: m bytes of scratch) */
int64_t inverse_permutation(const int64_t *perm, int64_t rows, int64_t m, char *seen, int64_t *out) {
    for (int64_t r = 0; r < rows; ++r) {
        const int64_t *p = perm + r * m;
        memset(seen, 0, (size_t)m);
        for (int64_t i = 0; i < m; ++i) {
            if (p[i] < 0 || p[i] >= m || seen[p[i]]) return -1;
            seen[p[i]] = 1;
        }
        for (int64_t i = 0; i < m; ++i) out[r * m + p[i]] = i;
    }
    return 0;
}
