/* Softmax and the fused softmax cross-entropy ops as row loops, of float32, or of float64
 * when built with ROWS_FLOAT64 (one module per dtype).
 *
 * RowOp(kind, typenum, fallback)   typenum: the module's dtype
 *   kind 0: Softmax along the last axis of a vector or matrix                 softmax(x)
 *   kind 1: CrossentropySoftmaxArgmax1HotWithBias                   (x, b, y) -> (nll, sm, argmax)
 *   kind 2: CrossentropySoftmax1HotWithBiasDx                       (dy, sm, y) -> dx
 *   kind 3: LogSoftmax along the last axis                                 log_softmax(x)
 *   kind 4: SoftmaxGrad along the last axis                      (dy, sm) -> (dy - sum(dy*sm))*sm
 *   kind 5: SoftmaxWithBias                                          (x, b) -> softmax(x + b)
 *   fallback: the op's NumPy meaning, called for anything unusual: other dtypes or layouts,
 *             and every invalid argument (mismatched rows, a class index out of range), so
 *             the errors are the reference's word for word.
 *
 * Each row follows the reference's formulas in its dtype: the row maximum (NaN if the row has
 * one) is subtracted before exp, the cross-entropy is -log-softmax taken as z - log(sum(exp(z)))
 * and the softmax of that op is exp(log-softmax), the argmax takes the first maximum (the first
 * NaN if any). Sums run in a vectorized order, so results differ from NumPy's pairwise sums
 * in the last bits only.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <math.h>
#include <stdint.h>

#include "buffers.h"

#ifdef THEANO_MVEC
#pragma omp declare simd notinbranch
double exp(double);
#pragma omp declare simd notinbranch
float expf(float);
#endif


#define GIL_FREE_WORK 65536

/* Rows are independent: long matrices share them among OpenMP threads (when the module is
 * built with OpenMP). Each element costs an exp, so threads pay off well below the 2**20
 * elements of plain arithmetic loops; below the threshold the plain call avoids the cost of
 * entering a parallel region at all.
 *
 * Each op's row loop is one function over a range of rows, called for all rows or, in a
 * parallel region, for each thread's share (the contiguous blocks `schedule(static)` would
 * give). Its body is thus compiled once: pasting it into a parallel and a serial loop
 * compiled every row body twice, which made this module the slowest piece of a cold
 * compile. noinline keeps gcc from pasting it back into both callers. */
#define ROWS_PARALLEL_MIN 131072
#ifdef _OPENMP
#include <omp.h>
#define FOR_ROWS(n, k, range, ...)                                                             \
    if ((n) * (k) >= ROWS_PARALLEL_MIN) {                                                      \
        _Pragma("omp parallel")                                                                \
        {                                                                                      \
            npy_intp t_ = omp_get_thread_num(), nt_ = omp_get_num_threads();                   \
            npy_intp q_ = (n) / nt_, r_ = (n) % nt_;                                           \
            npy_intp lo_ = t_ * q_ + (t_ < r_ ? t_ : r_);                                      \
            range(lo_, lo_ + q_ + (t_ < r_), __VA_ARGS__);                                     \
        }                                                                                      \
    } else {                                                                                   \
        range(0, (n), __VA_ARGS__);                                                            \
    }
#else
#define FOR_ROWS(n, k, range, ...) range(0, (n), __VA_ARGS__);
#endif
#define ROW_RANGE static __attribute__((noinline)) void

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    int kind, typenum;
    PyObject *fallback;
    reuse_t out[3];
} RowOpObject;

#define ROWS(T, EXP, LOG)                                                                       \
    static T row_max_##T(const T *z, npy_intp k) {                                              \
        T m = -INFINITY;                                                                        \
        int nan = 0;                                                                            \
        _Pragma("omp simd reduction(max:m) reduction(|:nan)")                                   \
        for (npy_intp j = 0; j < k; j++) {                                                      \
            T v = z[j];                                                                         \
            nan |= v != v;                                                                      \
            m = v > m ? v : m;                                                                  \
        }                                                                                       \
        return nan ? (T)NAN : m;                                                                \
    }                                                                                           \
    /* softmax (log_out 0) or log-softmax (1) of rows lo..hi of x (+ b when b is not NULL) */ \
    ROW_RANGE softmax_rows_##T(npy_intp lo, npy_intp hi, const T *x, const T *b, T *out,       \
                               npy_intp k, int log_out) {                                       \
        for (npy_intp i = lo; i < hi; i++) {                                                    \
            const T *xr = x + i * k;                                                            \
            T *o = out + i * k, s = 0;                                                          \
            if (b != NULL) {                                                                    \
                for (npy_intp j = 0; j < k; j++) o[j] = xr[j] + b[j];                           \
                xr = o;                                                                         \
            }                                                                                   \
            T m = row_max_##T(xr, k);                                                           \
            if (log_out) {                                                                      \
                _Pragma("omp simd reduction(+:s)")                                              \
                for (npy_intp j = 0; j < k; j++) {                                              \
                    T z = xr[j] - m;                                                            \
                    o[j] = z;                                                                   \
                    s += EXP(z);                                                                \
                }                                                                               \
                T ls = LOG(s);                                                                  \
                _Pragma("omp simd")                                                             \
                for (npy_intp j = 0; j < k; j++) o[j] = o[j] - ls;                              \
                continue;                                                                       \
            }                                                                                   \
            _Pragma("omp simd reduction(+:s)")                                                  \
            for (npy_intp j = 0; j < k; j++) {                                                  \
                T e = EXP(xr[j] - m);                                                           \
                o[j] = e;                                                                       \
                s += e;                                                                         \
            }                                                                                   \
            _Pragma("omp simd")                                                                 \
            for (npy_intp j = 0; j < k; j++) o[j] = o[j] / s;                                   \
        }                                                                                       \
    }                                                                                           \
    static void softmax_##T(const T *x, const T *b, T *out, npy_intp n, npy_intp k, int log_out) { \
        FOR_ROWS(n, k, softmax_rows_##T, x, b, out, k, log_out)                                 \
    }                                                                                           \
    ROW_RANGE softmax_grad_rows_##T(npy_intp lo, npy_intp hi, const T *dy, const T *sm, T *out, \
                                    npy_intp k) {                                               \
        for (npy_intp i = lo; i < hi; i++) {                                                    \
            const T *d = dy + i * k, *p = sm + i * k;                                           \
            T *o = out + i * k, s = 0;                                                          \
            _Pragma("omp simd reduction(+:s)")                                                  \
            for (npy_intp j = 0; j < k; j++) s += d[j] * p[j];                                  \
            _Pragma("omp simd")                                                                 \
            for (npy_intp j = 0; j < k; j++) o[j] = (d[j] - s) * p[j];                          \
        }                                                                                       \
    }                                                                                           \
    static void softmax_grad_##T(const T *dy, const T *sm, T *out, npy_intp n, npy_intp k) {    \
        FOR_ROWS(n, k, softmax_grad_rows_##T, dy, sm, out, k)                                   \
    }                                                                                           \
    ROW_RANGE xent_rows_##T(npy_intp lo, npy_intp hi, const T *x, const T *b, const int64_t *y, \
                            T *nll, T *sm, int64_t *am, npy_intp k) {                           \
        for (npy_intp i = lo; i < hi; i++) {                                                    \
            const T *xr = x + i * k;                                                            \
            T *o = sm + i * k, s = 0;                                                           \
            for (npy_intp j = 0; j < k; j++) o[j] = xr[j] + b[j];                               \
            T m = row_max_##T(o, k);                                                            \
            _Pragma("omp simd reduction(+:s)")                                                  \
            for (npy_intp j = 0; j < k; j++) {                                                  \
                T zz = o[j] - m;                                                                \
                o[j] = zz;                                                                      \
                s += EXP(zz);                                                                   \
            }                                                                                   \
            T ls = LOG(s);                                                                      \
            npy_intp best = 0;                                                                  \
            for (npy_intp j = 0; j < k; j++) {                                                  \
                T lp = o[j] - ls;                                                               \
                o[j] = lp;                                                                      \
                T cur = o[best];                                                                \
                if (cur == cur && (lp != lp || lp > cur)) best = j;                             \
            }                                                                                   \
            nll[i] = -o[y[i]];                                                                  \
            am[i] = best;                                                                       \
            _Pragma("omp simd")                                                                 \
            for (npy_intp j = 0; j < k; j++) o[j] = EXP(o[j]);                                  \
        }                                                                                       \
    }                                                                                           \
    static void xent_##T(const T *x, const T *b, const int64_t *y, T *nll, T *sm, int64_t *am,  \
                         npy_intp n, npy_intp k) {                                              \
        FOR_ROWS(n, k, xent_rows_##T, x, b, y, nll, sm, am, k)                                  \
    }                                                                                           \
    ROW_RANGE dx_rows_##T(npy_intp lo, npy_intp hi, const T *dy, const T *sm, const int64_t *y, \
                          T *dx, npy_intp k) {                                                  \
        for (npy_intp i = lo; i < hi; i++) {                                                    \
            const T d = dy[i], *s = sm + i * k;                                                 \
            T *o = dx + i * k;                                                                  \
            _Pragma("omp simd")                                                                 \
            for (npy_intp j = 0; j < k; j++) o[j] = s[j] * d;                                   \
            o[y[i]] = o[y[i]] - d;                                                              \
        }                                                                                       \
    }                                                                                           \
    static void dx_##T(const T *dy, const T *sm, const int64_t *y, T *dx, npy_intp n, npy_intp k) { \
        FOR_ROWS(n, k, dx_rows_##T, dy, sm, y, dx, k)                                           \
    }
/* One module per dtype (the build defines ROWS_FLOAT64 for float64): a program's row ops
 * are of one float type, and the other type's loops were a third of the module's compile. */
#ifdef ROWS_FLOAT64
ROWS(double, exp, log)
#define ROW_TYPENUM NPY_DOUBLE
#define ROW(fn) fn##_double
#else
ROWS(float, expf, logf)
#define ROW_TYPENUM NPY_FLOAT
#define ROW(fn) fn##_float
#endif

static int exact(PyObject *a, int typenum, int nd) {
    return PyArray_CheckExact(a) && PyArray_TYPE((PyArrayObject *)a) == typenum &&
           PyArray_NDIM((PyArrayObject *)a) == nd && PyArray_ISNBO(PyArray_DESCR((PyArrayObject *)a)->byteorder);
}

/* The class indices as C-contiguous int64 when they are a signed integer vector of n entries
 * all in [0, k); else NULL without an error (the fallback then raises the reference's). */
static PyArrayObject *class_indices(PyObject *y, npy_intp n, npy_intp k) {
    if (!PyArray_CheckExact(y) || PyArray_NDIM((PyArrayObject *)y) != 1 ||
        !PyArray_ISSIGNED((PyArrayObject *)y) || PyArray_DIM((PyArrayObject *)y, 0) != n)
        return NULL;
    PyArrayObject *c = (PyArrayObject *)PyArray_FROM_OTF(y, NPY_INT64, NPY_ARRAY_IN_ARRAY);
    if (c == NULL) {
        PyErr_Clear();
        return NULL;
    }
    const int64_t *v = (const int64_t *)PyArray_DATA(c);
    for (npy_intp i = 0; i < n; i++)
        if (v[i] < 0 || v[i] >= k) {
            Py_DECREF(c);
            return NULL;
        }
    return c;
}

static PyArrayObject *contiguous(PyObject *a) {
    return (PyArrayObject *)PyArray_FROM_OTF(a, PyArray_TYPE((PyArrayObject *)a), NPY_ARRAY_IN_ARRAY);
}

static PyObject *row_call(RowOpObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames) {
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    int tn = self->typenum;
    Py_ssize_t reused = 0;
    static const int n_args[] = {1, 3, 3, 1, 2, 2};
    if (kwnames != NULL || nargs != n_args[self->kind]) goto fallback;
    if (self->kind == 0 || self->kind >= 3) {
        /* softmax, log-softmax, softmax grad (dy, sm), softmax with bias (x, b): rows of the
         * last axis of a vector or matrix */
        PyObject *x = args[0], *second = nargs == 2 ? args[1] : NULL;
        int nd = PyArray_Check(x) ? PyArray_NDIM((PyArrayObject *)x) : 0;
        if ((nd != 1 && nd != 2) || !exact(x, tn, nd)) goto fallback;
        npy_intp k = PyArray_DIM((PyArrayObject *)x, nd - 1);
        if (self->kind == 4 && (!exact(second, tn, nd) ||
                                !PyArray_SAMESHAPE((PyArrayObject *)x, (PyArrayObject *)second)))
            goto fallback;
        if (self->kind == 5 && (nd != 2 || !exact(second, tn, 1) || PyArray_DIM((PyArrayObject *)second, 0) != k))
            goto fallback;
        PyArrayObject *xc = contiguous(x), *sc = second != NULL && xc != NULL ? contiguous(second) : NULL;
        PyArrayObject *out = NULL;
        if (xc != NULL && (second == NULL || sc != NULL))
            out = reuse_empty(&self->out[0], nd, PyArray_DIMS(xc), tn, &reused);
        if (out == NULL) { Py_XDECREF(xc); Py_XDECREF(sc); return NULL; }
        npy_intp n = nd == 2 ? PyArray_DIM(xc, 0) : 1;
        void *xd = PyArray_DATA(xc), *sd = sc != NULL ? PyArray_DATA(sc) : NULL, *od = PyArray_DATA(out);
        PyThreadState *ts = n * k >= GIL_FREE_WORK ? PyEval_SaveThread() : NULL;
        if (self->kind == 4) {
            ROW(softmax_grad)(xd, sd, od, n, k);
        } else {
            ROW(softmax)(xd, sd, od, n, k, self->kind == 3);
        }
        if (ts != NULL) PyEval_RestoreThread(ts);
        Py_DECREF(xc);
        Py_XDECREF(sc);
        reuse_keep(&self->out[0], out);
        return (PyObject *)out;
    }
    if (self->kind == 1) {
        if (!exact(args[0], tn, 2) || !exact(args[1], tn, 1)) goto fallback;
        npy_intp n = PyArray_DIM((PyArrayObject *)args[0], 0), k = PyArray_DIM((PyArrayObject *)args[0], 1);
        if (k == 0 || PyArray_DIM((PyArrayObject *)args[1], 0) != k) goto fallback;
        PyArrayObject *y = class_indices(args[2], n, k);
        if (y == NULL) goto fallback;
        PyArrayObject *xc = contiguous(args[0]), *bc = contiguous(args[1]);
        npy_intp shape[2] = {n, k};
        PyArrayObject *nll = NULL, *sm = NULL, *am = NULL;
        if (xc != NULL && bc != NULL) {
            nll = reuse_empty(&self->out[0], 1, shape, tn, &reused);
            sm = reuse_empty(&self->out[1], 2, shape, tn, &reused);
            am = reuse_empty(&self->out[2], 1, shape, NPY_INT64, &reused);
        }
        if (nll == NULL || sm == NULL || am == NULL) {
            Py_XDECREF(xc); Py_XDECREF(bc); Py_XDECREF(nll); Py_XDECREF(sm); Py_XDECREF(am); Py_DECREF(y);
            return NULL;
        }
        PyThreadState *ts = n * k >= GIL_FREE_WORK ? PyEval_SaveThread() : NULL;
        ROW(xent)(PyArray_DATA(xc), PyArray_DATA(bc), PyArray_DATA(y), PyArray_DATA(nll), PyArray_DATA(sm),
                  PyArray_DATA(am), n, k);
        if (ts != NULL) PyEval_RestoreThread(ts);
        Py_DECREF(xc); Py_DECREF(bc); Py_DECREF(y);
        reuse_keep(&self->out[0], nll);
        reuse_keep(&self->out[1], sm);
        reuse_keep(&self->out[2], am);
        PyObject *amc = (PyObject *)am;
        int ytype = PyArray_TYPE((PyArrayObject *)args[2]);
        if (ytype != NPY_INT64) {  /* the argmax has the indices' dtype */
            amc = PyArray_FROM_OTF((PyObject *)am, ytype, NPY_ARRAY_FORCECAST | NPY_ARRAY_ENSURECOPY);
            Py_DECREF(am);
            if (amc == NULL) { Py_DECREF(nll); Py_DECREF(sm); return NULL; }
        }
        PyObject *res = PyTuple_Pack(3, nll, sm, amc);
        Py_DECREF(nll);
        Py_DECREF(sm);
        Py_DECREF(amc);
        return res;
    }
    {
        if (!exact(args[0], tn, 1) || !exact(args[1], tn, 2)) goto fallback;
        npy_intp n = PyArray_DIM((PyArrayObject *)args[1], 0), k = PyArray_DIM((PyArrayObject *)args[1], 1);
        if (PyArray_DIM((PyArrayObject *)args[0], 0) != n) goto fallback;
        PyArrayObject *y = class_indices(args[2], n, k);
        if (y == NULL) goto fallback;
        PyArrayObject *dyc = contiguous(args[0]), *smc = contiguous(args[1]), *dx = NULL;
        if (dyc != NULL && smc != NULL) dx = reuse_empty(&self->out[0], 2, PyArray_DIMS(smc), tn, &reused);
        if (dx == NULL) {
            Py_XDECREF(dyc); Py_XDECREF(smc); Py_DECREF(y);
            return NULL;
        }
        ROW(dx)(PyArray_DATA(dyc), PyArray_DATA(smc), PyArray_DATA(y), PyArray_DATA(dx), n, k);
        Py_DECREF(dyc); Py_DECREF(smc); Py_DECREF(y);
        reuse_keep(&self->out[0], dx);
        return (PyObject *)dx;
    }
fallback:
    return PyObject_Vectorcall(self->fallback, args, nargsf, kwnames);
}

static PyObject *row_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
    int kind, typenum;
    PyObject *fallback;
    if (!PyArg_ParseTuple(args, "iiO:RowOp", &kind, &typenum, &fallback)) return NULL;
    if (kind < 0 || kind > 5 || typenum != ROW_TYPENUM) {
        PyErr_SetString(PyExc_ValueError, ROW_TYPENUM == NPY_DOUBLE ? "RowOp: kind 0-5, float64 in this module"
                                                                    : "RowOp: kind 0-5, float32 in this module");
        return NULL;
    }
    RowOpObject *self = (RowOpObject *)type->tp_alloc(type, 0);
    if (self == NULL) return NULL;
    self->vectorcall = (vectorcallfunc)row_call;
    self->kind = kind;
    self->typenum = typenum;
    Py_INCREF(fallback);
    self->fallback = fallback;
    return (PyObject *)self;
}

static PyObject *row_free(RowOpObject *self, PyObject *unused) {
    for (int k = 0; k < 3; k++) reuse_clear(&self->out[k]);
    Py_RETURN_NONE;
}

static void row_dealloc(RowOpObject *self) {
    for (int k = 0; k < 3; k++) reuse_clear(&self->out[k]);
    Py_XDECREF(self->fallback);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef row_methods[] = {
    {"free", (PyCFunction)row_free, METH_NOARGS, "Drop the buffers kept for the next call."},
    {NULL, NULL, 0, NULL}};

static PyTypeObject RowOpType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = MODULE_NAME_STR ".RowOp",
    .tp_basicsize = sizeof(RowOpObject),
    .tp_dealloc = (destructor)row_dealloc,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(RowOpObject, vectorcall),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "Softmax and the fused softmax cross-entropy ops as compiled row loops.",
    .tp_new = row_new,
    .tp_methods = row_methods,
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, MODULE_NAME_STR, NULL, -1, NULL};

PyMODINIT_FUNC MODULE_INIT(void) {
    import_array();
    if (PyType_Ready(&RowOpType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    Py_INCREF(&RowOpType);
    if (PyModule_AddObject(m, "RowOp", (PyObject *)&RowOpType) < 0) {
        Py_DECREF(&RowOpType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
