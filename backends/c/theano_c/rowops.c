/* Row loops of the C backend for max-and-argmax, all/any and cumulative sums and products
 * (lowering_rows.py). The Python side moves the reduced or scanned axes last and makes the
 * array C-contiguous, so every loop walks `rows` rows of `len` elements. */
#include <stdint.h>

/* The maximum of each row and the index of its first occurrence; a NaN wins at its first
 * position, as np.max and np.argmax give it. len >= 1. */
#define MAX_ARGMAX(T, NAME)                                                                     \
    void max_argmax_##NAME(const T *x, int64_t rows, int64_t len, T *mx, int64_t *arg)          \
    {                                                                                          \
        for (int64_t r = 0; r < rows; r++) {                                                   \
            const T *v = x + r * len;                                                          \
            T m = v[0];                                                                        \
            int64_t k = 0;                                                                     \
            if (m == m)                                                                        \
                for (int64_t j = 1; j < len; j++) {                                            \
                    if (v[j] != v[j]) {                                                        \
                        m = v[j];                                                              \
                        k = j;                                                                 \
                        break;                                                                 \
                    }                                                                          \
                    if (v[j] > m) {                                                            \
                        m = v[j];                                                              \
                        k = j;                                                                 \
                    }                                                                          \
                }                                                                              \
            mx[r] = m;                                                                         \
            arg[r] = k;                                                                        \
        }                                                                                      \
    }

/* all (any = 0) or any (any = 1) of each row: whether every (some) element is nonzero. */
#define ALL_ANY(T, NAME)                                                                        \
    void all_any_##NAME(const T *x, int64_t rows, int64_t len, int any, uint8_t *out)           \
    {                                                                                          \
        for (int64_t r = 0; r < rows; r++) {                                                   \
            const T *v = x + r * len;                                                          \
            uint8_t res = any ? 0 : 1;                                                         \
            for (int64_t j = 0; j < len; j++)                                                  \
                if ((v[j] != 0) == (any != 0)) {                                               \
                    res = !res;                                                                \
                    break;                                                                     \
                }                                                                              \
            out[r] = res;                                                                      \
        }                                                                                      \
    }

/* x[r, j] becomes the sum (mul = 0) or product (mul = 1) of x[r, :j+1], in order, as
 * np.cumsum and np.cumprod accumulate. */
#define CUMULATE(T, NAME)                                                                       \
    void cumulate_##NAME(T *x, int64_t rows, int64_t len, int mul)                              \
    {                                                                                          \
        for (int64_t r = 0; r < rows; r++) {                                                   \
            T *v = x + r * len;                                                                \
            if (mul)                                                                           \
                for (int64_t j = 1; j < len; j++)                                              \
                    v[j] = (T)(v[j - 1] * v[j]);                                               \
            else                                                                               \
                for (int64_t j = 1; j < len; j++)                                              \
                    v[j] = (T)(v[j - 1] + v[j]);                                               \
        }                                                                                      \
    }

#define EVERY_TYPE(M)                                                                           \
    M(float, float32) M(double, float64) M(int8_t, int8) M(int16_t, int16) M(int32_t, int32)    \
    M(int64_t, int64) M(uint8_t, uint8) M(uint16_t, uint16) M(uint32_t, uint32)                 \
    M(uint64_t, uint64) M(uint8_t, bool)

EVERY_TYPE(MAX_ARGMAX)
EVERY_TYPE(ALL_ANY)
CUMULATE(float, float32)
CUMULATE(double, float64)
CUMULATE(int64_t, int64)
CUMULATE(uint64_t, uint64)
