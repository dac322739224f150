/* MRG31k3p uniforms for MRGUniform on the C backend (lowering_random.py): the recurrence of
 * theano.sandbox.mrg31k3p, element i from stream i % k, each stream advancing once per element
 * it produces, and Theano 1.0's conversion of z in 1..M1 to a float in (0, 1). */
#include <stdint.h>

#define M1 2147483647LL
#define M2 2147462579LL

/* states: (k, 6) int32, advanced in place; z: n outputs in 1..M1 */
static void draw(int32_t *states, int64_t k, int64_t n, int64_t *z) {
    for (int64_t i = 0; i < n; ++i) {
        int32_t *s = states + 6 * (i % k);
        const int64_t y1 = ((int64_t)4194304 * s[1] + (int64_t)129 * s[2]) % M1;  /* 2**22, 2**7 + 1 */
        const int64_t y2 = ((int64_t)32768 * s[3] + (int64_t)32769 * s[5]) % M2;  /* 2**15, 2**15 + 1 */
        s[2] = s[1]; s[1] = s[0]; s[0] = (int32_t)y1;
        s[5] = s[4]; s[4] = s[3]; s[3] = (int32_t)y2;
        const int64_t d = y1 - y2;
        z[i] = d <= 0 ? d + M1 : d;
    }
}

void mrg_uniform_float64(int32_t *states, int64_t k, int64_t n, int64_t *z, double *out) {
    draw(states, k, n, z);
    for (int64_t i = 0; i < n; ++i) out[i] = (double)z[i] * 4.656612873077392578125e-10;  /* z / 2**31 */
}

void mrg_uniform_float32(int32_t *states, int64_t k, int64_t n, int64_t *z, float *out) {
    draw(states, k, n, z);
    for (int64_t i = 0; i < n; ++i) out[i] = (float)z[i] * 4.6566126e-10f;  /* Theano's float constant */
}

void mrg_uniform_raw(int32_t *states, int64_t k, int64_t n, int64_t *z) {
    draw(states, k, n, z);
}
