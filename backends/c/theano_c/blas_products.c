/* Dot, Gemm and Gemv of float32/float64 arrays through BLAS function pointers.
 *
 * Product(routines, typenum, x_ndim, y_ndim, gemm_form, inplace, fallback, ilp64=False)
 *   routines:  (gemm, gemv, dot) addresses of Fortran-convention BLAS routines of that type
 *              (every argument by pointer, column-major), from scipy.linalg.cython_blas; with
 *              ilp64, of an ILP64 BLAS (64-bit integers, dot as CBLAS), NumPy's own
 *   gemm_form: 0 for dot(x, y); 1 for z*beta + alpha*dot(x, y) called as (z, alpha, x, y, beta)
 *   inplace:   the gemm form writes its result into z (the op's destroy_map)
 *   fallback:  the op's NumPy meaning, called for anything unusual (another dtype, a numpy
 *              scalar, misaligned shapes: it raises the reference error) so behaviour matches
 *
 * NumPy arrays are row-major, BLAS is column-major: a C-contiguous (m, n) result is the
 * column-major (n, m) matrix out^T = y^T x^T, so the operands are passed swapped. A row- or
 * column-major operand with any leading dimension (a transposed view, a slice of rows) is
 * passed as it is, with 'N'/'T' and its lda; other strides are copied first.
 *
 * The gemm form keeps NumPy's rounding exactly: BLAS computes only d = dot(x, y) (alpha 1,
 * beta 0), then one pass computes z*beta + alpha*d in that order. BLAS's own alpha/beta would
 * round differently (fused, per block) and skip z when beta is 0, losing NaN and inf.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "buffers.h"

typedef void (*gemm_fn)(char *, char *, int *, int *, int *, void *, void *, int *, void *, int *,
                        void *, void *, int *);
typedef void (*gemv_fn)(char *, int *, int *, void *, void *, int *, void *, int *, void *, void *,
                        int *);
typedef double (*ddot_fn)(int *, double *, int *, double *, int *);
typedef float (*sdot_fn)(int *, float *, int *, float *, int *);
/* An ILP64 BLAS (NumPy's OpenBLAS): 64-bit integers; its dot through the CBLAS interface,
 * whose float return value has no Fortran ABI question. */
typedef void (*gemm64_fn)(char *, char *, int64_t *, int64_t *, int64_t *, void *, void *, int64_t *,
                          void *, int64_t *, void *, void *, int64_t *);
typedef void (*gemv64_fn)(char *, int64_t *, int64_t *, void *, void *, int64_t *, void *, int64_t *,
                          void *, void *, int64_t *);
typedef double (*cblas_ddot64_fn)(int64_t, const double *, int64_t, const double *, int64_t);
typedef float (*cblas_sdot64_fn)(int64_t, const float *, int64_t, const float *, int64_t);

/* Release the GIL only when the product is worth more than taking it back (a few us). */
#define GIL_FREE_WORK 32768

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    gemm_fn gemm;
    gemv_fn gemv;
    void *dot;
    int typenum, x_ndim, y_ndim, gemm_form, inplace, ilp64;
    PyObject *fallback;
    Py_ssize_t reused;
    reuse_t out, scratch;
} ProductObject;

/* How BLAS can read a 2-D array: row-major ('R') or column-major ('C') with leading dimension
 * ld. 0 when it cannot (negative or odd strides, misaligned, too large for BLAS's int). */
static int mat_layout(PyArrayObject *a, char *order, int *ld) {
    npy_intp r = PyArray_DIM(a, 0), c = PyArray_DIM(a, 1);
    npy_intp s0 = PyArray_STRIDE(a, 0), s1 = PyArray_STRIDE(a, 1), it = PyArray_ITEMSIZE(a);
    npy_intp rr = r > 1 ? r : 1, cc = c > 1 ? c : 1;
    if (!PyArray_ISALIGNED(a) || r > INT_MAX || c > INT_MAX) return 0;
    if (c <= 1 || s1 == it) {
        npy_intp l = r <= 1 ? cc : s0 / it;
        if ((r <= 1 || (s0 > 0 && s0 % it == 0)) && l >= cc && l <= INT_MAX) {
            *order = 'R';
            *ld = (int)l;
            return 1;
        }
    }
    if (r <= 1 || s0 == it) {
        npy_intp l = c <= 1 ? rr : s1 / it;
        if ((c <= 1 || (s1 > 0 && s1 % it == 0)) && l >= rr && l <= INT_MAX) {
            *order = 'C';
            *ld = (int)l;
            return 1;
        }
    }
    return 0;
}

static int vec_layout(PyArrayObject *a, int *inc) {
    npy_intp n = PyArray_DIM(a, 0), s = PyArray_STRIDE(a, 0), it = PyArray_ITEMSIZE(a);
    if (!PyArray_ISALIGNED(a) || n > INT_MAX) return 0;
    if (n <= 1) { *inc = 1; return 1; }
    if (s <= 0 || s % it != 0 || s / it > INT_MAX) return 0;
    *inc = (int)(s / it);
    return 1;
}

/* `a` itself (a new reference) when BLAS can read it, else a C-contiguous copy. */
static PyArrayObject *blas_readable(PyArrayObject *a, char *order, int *ld) {
    int ok = PyArray_NDIM(a) == 2 ? mat_layout(a, order, ld) : vec_layout(a, ld);
    if (ok) {
        Py_INCREF(a);
        return a;
    }
    PyArrayObject *c = (PyArrayObject *)PyArray_NewCopy(a, NPY_CORDER);
    if (c == NULL) return NULL;
    if (PyArray_NDIM(c) == 2 ? !mat_layout(c, order, ld) : !vec_layout(c, ld)) {
        Py_DECREF(c);
        PyErr_SetString(PyExc_ValueError, "an operand is too large for BLAS");
        return NULL;
    }
    return c;
}

static void call_gemm(ProductObject *self, char ta, char tb, int m, int n, int k, void *alpha, void *a,
                      int lda, void *b, int ldb, void *beta, void *c, int ldc) {
    if (self->ilp64) {
        int64_t m8 = m, n8 = n, k8 = k, lda8 = lda, ldb8 = ldb, ldc8 = ldc;
        ((gemm64_fn)self->gemm)(&ta, &tb, &m8, &n8, &k8, alpha, a, &lda8, b, &ldb8, beta, c, &ldc8);
    } else {
        self->gemm(&ta, &tb, &m, &n, &k, alpha, a, &lda, b, &ldb, beta, c, &ldc);
    }
}

static void call_gemv(ProductObject *self, char t, int m, int n, void *alpha, void *a, int lda, void *x,
                      int incx, void *beta, void *y, int incy) {
    if (self->ilp64) {
        int64_t m8 = m, n8 = n, lda8 = lda, incx8 = incx, incy8 = incy;
        ((gemv64_fn)self->gemv)(&t, &m8, &n8, alpha, a, &lda8, x, &incx8, beta, y, &incy8);
    } else {
        self->gemv(&t, &m, &n, alpha, a, &lda, x, &incx, beta, y, &incy);
    }
}

static void call_dot(ProductObject *self, int n, void *x, int incx, void *y, int incy, void *out) {
    if (self->typenum == NPY_DOUBLE)
        *(double *)out = self->ilp64 ? ((cblas_ddot64_fn)self->dot)(n, x, incx, y, incy)
                                     : ((ddot_fn)self->dot)(&n, x, &incx, y, &incy);
    else
        *(float *)out = self->ilp64 ? ((cblas_sdot64_fn)self->dot)(n, x, incx, y, incy)
                                    : ((sdot_fn)self->dot)(&n, x, &incx, y, &incy);
}

/* d = dot(x, y) into the C-contiguous `out` (any contents: beta 0 makes BLAS ignore them). */
static int blas_dot_into(ProductObject *self, PyArrayObject *x, PyArrayObject *y, PyArrayObject *out) {
    char ox = 0, oy = 0;
    int ldx, ldy;
    npy_intp k = PyArray_DIM(y, 0);
    npy_intp size = PyArray_SIZE(out);
    if (size == 0) return 0;
    if (k == 0) {  /* an empty sum: zeros, which BLAS would not be asked for */
        memset(PyArray_DATA(out), 0, size * PyArray_ITEMSIZE(out));
        return 0;
    }
    if (k > INT_MAX || size > INT_MAX) {
        PyErr_SetString(PyExc_ValueError, "a dimension is too large for BLAS");
        return -1;
    }
    PyArrayObject *xb = blas_readable(x, &ox, &ldx);
    if (xb == NULL) return -1;
    PyArrayObject *yb = blas_readable(y, &oy, &ldy);
    if (yb == NULL) { Py_DECREF(xb); return -1; }
    double one_d = 1.0, zero_d = 0.0;
    float one_f = 1.0f, zero_f = 0.0f;
    int dbl = self->typenum == NPY_DOUBLE;
    void *one = dbl ? (void *)&one_d : (void *)&one_f, *zero = dbl ? (void *)&zero_d : (void *)&zero_f;
    void *xp = PyArray_DATA(xb), *yp = PyArray_DATA(yb), *op = PyArray_DATA(out);
    int ki = (int)k;
    double work = (double)size * (double)k;
    PyThreadState *ts = work >= GIL_FREE_WORK ? PyEval_SaveThread() : NULL;
    if (PyArray_NDIM(x) == 2 && PyArray_NDIM(y) == 2) {
        int m = (int)PyArray_DIM(x, 0), n = (int)PyArray_DIM(y, 1);
        call_gemm(self, oy == 'R' ? 'N' : 'T', ox == 'R' ? 'N' : 'T', n, m, ki, one, yp, ldy, xp, ldx,
                  zero, op, n > 1 ? n : 1);
    } else if (PyArray_NDIM(x) == 2) {
        int m = (int)PyArray_DIM(x, 0);
        call_gemv(self, ox == 'R' ? 'T' : 'N', ox == 'R' ? ki : m, ox == 'R' ? m : ki, one, xp, ldx, yp, ldy,
                  zero, op, 1);
    } else if (PyArray_NDIM(y) == 2) {
        int n = (int)PyArray_DIM(y, 1);
        call_gemv(self, oy == 'R' ? 'N' : 'T', oy == 'R' ? n : ki, oy == 'R' ? ki : n, one, yp, ldy, xp, ldx,
                  zero, op, 1);
    } else {
        call_dot(self, ki, xp, ldx, yp, ldy, op);
    }
    if (ts != NULL) PyEval_RestoreThread(ts);
    Py_DECREF(xb);
    Py_DECREF(yb);
    return 0;
}

/* out = z*beta + alpha*d, element by element in NumPy's order. out is either z (in place) or d
 * (the product was computed into the output); the contiguous rows then run as one loop over
 * two arrays that cannot overlap, in functions of their own: inlined into product_call, GCC
 * judged the loops cold and left them scalar (0.3 ms of the MLP step's 784x512 update). */
#define COMBINE(T)                                                                             \
    __attribute__((noinline)) static void combine_row_into_z_##T(                            \
        T *restrict o, T alpha, const T *restrict d, T beta, npy_intp n) {                    \
        for (npy_intp j = 0; j < n; j++) {                                                    \
            T a = o[j] * beta, b = alpha * d[j];                                              \
            o[j] = a + b;                                                                     \
        }                                                                                     \
    }                                                                                         \
    __attribute__((noinline)) static void combine_row_into_d_##T(                            \
        const T *restrict z, T alpha, T *restrict o, T beta, npy_intp n) {                    \
        for (npy_intp j = 0; j < n; j++) {                                                    \
            T a = z[j] * beta, b = alpha * o[j];                                              \
            o[j] = a + b;                                                                     \
        }                                                                                     \
    }                                                                                         \
    static void combine_##T(PyArrayObject *z, T alpha, T *d, T beta, PyArrayObject *out) {    \
        int nd = PyArray_NDIM(z);                                                              \
        npy_intp rows = nd == 2 ? PyArray_DIM(z, 0) : 1, cols = PyArray_DIM(z, nd - 1);        \
        npy_intp zs0 = nd == 2 ? PyArray_STRIDE(z, 0) : 0, zs1 = PyArray_STRIDE(z, nd - 1);    \
        npy_intp os0 = nd == 2 ? PyArray_STRIDE(out, 0) : 0, os1 = PyArray_STRIDE(out, nd - 1); \
        char *zp = PyArray_BYTES(z);                                                           \
        char *op = PyArray_BYTES(out);                                                         \
        for (npy_intp i = 0; i < rows; i++) {                                                  \
            T *di = d + i * cols;                                                              \
            if (zs1 == sizeof(T) && os1 == sizeof(T) && (op == zp || op == (char *)d)) {       \
                if (op == zp)                                                                  \
                    combine_row_into_z_##T((T *)(zp + i * zs0), alpha, di, beta, cols);        \
                else                                                                           \
                    combine_row_into_d_##T((const T *)(zp + i * zs0), alpha, di, beta, cols);  \
            } else {                                                                           \
                for (npy_intp j = 0; j < cols; j++) {                                          \
                    T a = *(const T *)(zp + i * zs0 + j * zs1) * beta, b = alpha * di[j];      \
                    *(T *)(op + i * os0 + j * os1) = a + b;                                    \
                }                                                                              \
            }                                                                                  \
        }                                                                                      \
    }
COMBINE(float)
COMBINE(double)

static int exact(PyObject *a, int typenum, int nd) {
    return PyArray_CheckExact(a) && PyArray_TYPE((PyArrayObject *)a) == typenum &&
           PyArray_NDIM((PyArrayObject *)a) == nd;
}

static PyObject *call_fallback(ProductObject *self, PyObject *const *args, size_t nargsf) {
    return PyObject_Vectorcall(self->fallback, args, nargsf, NULL);
}

static PyObject *product_call(ProductObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames) {
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    int tn = self->typenum, out_nd = self->x_ndim + self->y_ndim - 2;
    if (kwnames != NULL || nargs != (self->gemm_form ? 5 : 2)) {
        PyErr_SetString(PyExc_TypeError, "Product: wrong number of arguments");
        return NULL;
    }
    PyObject *const *xy = self->gemm_form ? args + 2 : args;
    if (!exact(xy[0], tn, self->x_ndim) || !exact(xy[1], tn, self->y_ndim))
        return call_fallback(self, args, nargsf);
    PyArrayObject *x = (PyArrayObject *)xy[0], *y = (PyArrayObject *)xy[1];
    if (PyArray_DIM(x, self->x_ndim - 1) != PyArray_DIM(y, 0))
        return call_fallback(self, args, nargsf);  /* raises the reference error */
    npy_intp shape[2];
    int nd = 0;
    if (self->x_ndim == 2) shape[nd++] = PyArray_DIM(x, 0);
    if (self->y_ndim == 2) shape[nd++] = PyArray_DIM(y, 1);
    if (!self->gemm_form) {
        PyArrayObject *out = reuse_empty(&self->out, out_nd, shape, tn, &self->reused);
        if (out == NULL) return NULL;
        if (blas_dot_into(self, x, y, out) < 0) {
            Py_DECREF(out);
            return NULL;
        }
        reuse_keep(&self->out, out);
        return (PyObject *)out;
    }
    PyObject *zo = args[0];
    if (!exact(zo, tn, out_nd) || !exact(args[1], tn, 0) || !exact(args[4], tn, 0))
        return call_fallback(self, args, nargsf);
    PyArrayObject *z = (PyArrayObject *)zo;
    for (int d = 0; d < nd; d++)
        if (PyArray_DIM(z, d) != shape[d]) return call_fallback(self, args, nargsf);
    if (self->inplace && (!PyArray_ISWRITEABLE(z) || !PyArray_ISALIGNED(z)))
        return call_fallback(self, args, nargsf);
    /* in place, d needs memory of its own (a scratch buffer kept between calls); otherwise it
     * is computed into the output, which the combining pass then overwrites element by element */
    reuse_t *pool = self->inplace ? &self->scratch : &self->out;
    PyArrayObject *d = reuse_empty(pool, nd, shape, tn, &self->reused);
    if (d == NULL) return NULL;
    if (blas_dot_into(self, x, y, d) < 0) {
        Py_DECREF(d);
        return NULL;
    }
    PyArrayObject *out = self->inplace ? z : d;
    if (tn == NPY_DOUBLE)
        combine_double(z, *(double *)PyArray_DATA((PyArrayObject *)args[1]), PyArray_DATA(d),
                       *(double *)PyArray_DATA((PyArrayObject *)args[4]), out);
    else
        combine_float(z, *(float *)PyArray_DATA((PyArrayObject *)args[1]), PyArray_DATA(d),
                      *(float *)PyArray_DATA((PyArrayObject *)args[4]), out);
    reuse_keep(pool, d);
    if (self->inplace) {
        Py_DECREF(d);
        Py_INCREF(z);
    }
    return (PyObject *)out;
}

static PyObject *product_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
    PyObject *gemm, *gemv, *dot, *fallback;
    int typenum, x_ndim, y_ndim, gemm_form, inplace, ilp64 = 0;
    if (!PyArg_ParseTuple(args, "(OOO)iiippO|p:Product", &gemm, &gemv, &dot, &typenum, &x_ndim, &y_ndim,
                          &gemm_form, &inplace, &fallback, &ilp64))
        return NULL;
    if ((typenum != NPY_FLOAT && typenum != NPY_DOUBLE) || x_ndim < 1 || x_ndim > 2 || y_ndim < 1 ||
        y_ndim > 2 || (gemm_form && x_ndim != 2)) {
        PyErr_SetString(PyExc_ValueError, "Product: float32/float64 vectors and matrices only");
        return NULL;
    }
    ProductObject *self = (ProductObject *)type->tp_alloc(type, 0);
    if (self == NULL) return NULL;
    self->vectorcall = (vectorcallfunc)product_call;
    self->gemm = (gemm_fn)PyLong_AsVoidPtr(gemm);
    self->gemv = (gemv_fn)PyLong_AsVoidPtr(gemv);
    self->dot = PyLong_AsVoidPtr(dot);
    if (PyErr_Occurred()) {
        Py_DECREF(self);
        return NULL;
    }
    self->typenum = typenum;
    self->x_ndim = x_ndim;
    self->y_ndim = y_ndim;
    self->gemm_form = gemm_form;
    self->inplace = inplace;
    self->ilp64 = ilp64;
    Py_INCREF(fallback);
    self->fallback = fallback;
    return (PyObject *)self;
}

static void product_dealloc(ProductObject *self) {
    reuse_clear(&self->out);
    reuse_clear(&self->scratch);
    Py_XDECREF(self->fallback);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *product_free(ProductObject *self, PyObject *unused) {
    reuse_clear(&self->out);
    reuse_clear(&self->scratch);
    Py_RETURN_NONE;
}

static PyMethodDef product_methods[] = {
    {"free", (PyCFunction)product_free, METH_NOARGS, "Drop the buffers kept for the next call."},
    {NULL, NULL, 0, NULL}};

static PyMemberDef product_members[] = {
    {"reused", T_PYSSIZET, offsetof(ProductObject, reused), READONLY,
     "how many results were written into a buffer kept from an earlier call"},
    {NULL, 0, 0, 0, NULL}};

static PyTypeObject ProductType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = MODULE_NAME_STR ".Product",
    .tp_basicsize = sizeof(ProductObject),
    .tp_dealloc = (destructor)product_dealloc,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(ProductObject, vectorcall),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "dot(x, y) or z*beta + alpha*dot(x, y) through BLAS function pointers.",
    .tp_new = product_new,
    .tp_methods = product_methods,
    .tp_members = product_members,
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, MODULE_NAME_STR, NULL, -1, NULL};

PyMODINIT_FUNC MODULE_INIT(void) {
    import_array();
    if (PyType_Ready(&ProductType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    Py_INCREF(&ProductType);
    if (PyModule_AddObject(m, "Product", (PyObject *)&ProductType) < 0) {
        Py_DECREF(&ProductType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
