/* The scan loop in C: run_steps(step, sources, sinks, t0, dt, n) does what
 * theano.scan.loop.run_steps does (that module's doc describes the plan), without a Python
 * frame per step: the arguments are built into one vector (views of the sequences' and
 * states' rows made directly), the step is entered by vectorcall, and a result whose row it
 * lands in is an ndarray of its dtype and shape is copied or added there directly. Every
 * other case (a cast, a shape or dtype that differs, an allocation on the first step) goes
 * through the sink's or the source's own Python callable, which holds the general meaning
 * and its error messages.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <string.h>

enum { CONST = 0, SLICE = 1, CARRY = 2, ITEM = 3 };
enum { DROP = 0, STORE = 1, ADD = 2, CARRY_OUT = 3, UNTIL = 4, ADD_OUTER = 5 };

/* Row i of `a` (ndim >= 1) as a view, or NULL with the general indexing's error. */
static PyObject *row_view(PyObject *a, Py_ssize_t i) {
    if (!PyArray_Check(a) || PyArray_NDIM((PyArrayObject *)a) < 1) return PySequence_GetItem(a, i);
    PyArrayObject *arr = (PyArrayObject *)a;
    npy_intp len = PyArray_DIM(arr, 0);
    if (i < 0 || i >= len) return PySequence_GetItem(a, i); /* NumPy's own error, or wraps */
    PyArray_Descr *descr = PyArray_DESCR(arr);
    Py_INCREF(descr);
    int flags = PyArray_FLAGS(arr) & (NPY_ARRAY_WRITEABLE | NPY_ARRAY_ALIGNED);
    PyObject *v = PyArray_NewFromDescr(&PyArray_Type, descr, PyArray_NDIM(arr) - 1, PyArray_DIMS(arr) + 1,
                                       PyArray_STRIDES(arr) + 1, PyArray_BYTES(arr) + i * PyArray_STRIDE(arr, 0),
                                       flags, NULL);
    if (v == NULL) return NULL;
    Py_INCREF(a);
    if (PyArray_SetBaseObject((PyArrayObject *)v, a) < 0) {
        Py_DECREF(v);
        return NULL;
    }
    return v;
}

/* Where row i of `a` starts when `v` can be written there as raw bytes: both ndarrays of
 * one dtype, v of a's row shape, both C-contiguous; NULL otherwise. i < 0: the whole of a. */
static char *direct_target(PyObject *a, Py_ssize_t i, PyObject *v) {
    if (!PyArray_CheckExact(v) || !PyArray_Check(a)) return NULL;
    PyArrayObject *arr = (PyArrayObject *)a, *val = (PyArrayObject *)v;
    if (PyArray_TYPE(arr) != PyArray_TYPE(val) || !PyArray_ISNOTSWAPPED(arr) ||
        !PyArray_ISNOTSWAPPED(val) || !PyArray_IS_C_CONTIGUOUS(arr) ||
        !PyArray_IS_C_CONTIGUOUS(val) || !PyArray_ISWRITEABLE(arr) || !PyArray_ISALIGNED(val) ||
        !PyArray_ISALIGNED(arr))
        return NULL;
    int skip = i >= 0 ? 1 : 0;
    if (PyArray_NDIM(arr) != PyArray_NDIM(val) + skip) return NULL;
    if (skip && (i >= PyArray_DIM(arr, 0))) return NULL;
    for (int d = 0; d < PyArray_NDIM(val); d++)
        if (PyArray_DIM(val, d) != PyArray_DIM(arr, d + skip)) return NULL;
    return PyArray_BYTES(arr) + (skip ? i * PyArray_STRIDE(arr, 0) : 0);
}

/* sink[3](t, v): the general meaning of a STORE or ADD sink. */
static int general(PyObject *sink, Py_ssize_t t, PyObject *v) {
    PyObject *tt = PyLong_FromSsize_t(t);
    if (tt == NULL) return -1;
    PyObject *args[2] = {tt, v};
    PyObject *r = PyObject_Vectorcall(PyList_GET_ITEM(sink, 3), args, 2, NULL);
    Py_DECREF(tt);
    if (r == NULL) return -1;
    Py_DECREF(r);
    return 0;
}

static int store(PyObject *sink, Py_ssize_t t, PyObject *v) {
    PyObject *a = PyList_GET_ITEM(sink, 1);
    Py_ssize_t i = t + PyLong_AsSsize_t(PyList_GET_ITEM(sink, 2));
    char *dst = a == Py_None || i < 0 ? NULL : direct_target(a, i, v);
    if (dst == NULL) return general(sink, t, v);
    memcpy(dst, PyArray_BYTES((PyArrayObject *)v), PyArray_NBYTES((PyArrayObject *)v));
    return 0;
}

static int add(PyObject *sink, Py_ssize_t t, PyObject *v) {
    PyObject *a = PyList_GET_ITEM(sink, 1), *off = PyList_GET_ITEM(sink, 2);
    Py_ssize_t i = off == Py_None ? -1 : t + PyLong_AsSsize_t(off);
    if (off != Py_None && i < 0) return general(sink, t, v);
    char *dst = direct_target(a, i, v);
    int type = dst == NULL ? -1 : PyArray_TYPE((PyArrayObject *)v);
    npy_intp n = dst == NULL ? 0 : PyArray_SIZE((PyArrayObject *)v);
    if (type == NPY_FLOAT64) {
        double *o = (double *)dst;
        const double *s = (const double *)PyArray_BYTES((PyArrayObject *)v);
        for (npy_intp k = 0; k < n; k++) o[k] += s[k];
    } else if (type == NPY_FLOAT32) {
        float *o = (float *)dst;
        const float *s = (const float *)PyArray_BYTES((PyArrayObject *)v);
        for (npy_intp k = 0; k < n; k++) o[k] += s[k];
    } else {
        return general(sink, t, v);
    }
    return 0;
}

/* sink[4](t, a, b): the general meaning of an ADD_OUTER sink. */
static int general_outer(PyObject *sink, Py_ssize_t t, PyObject *a, PyObject *b) {
    PyObject *tt = PyLong_FromSsize_t(t);
    if (tt == NULL) return -1;
    PyObject *args[3] = {tt, a, b};
    PyObject *r = PyObject_Vectorcall(PyList_GET_ITEM(sink, 4), args, 3, NULL);
    Py_DECREF(tt);
    if (r == NULL) return -1;
    Py_DECREF(r);
    return 0;
}

static int is_vector64(PyObject *v, npy_intp n) {
    return PyArray_CheckExact(v) && PyArray_TYPE((PyArrayObject *)v) == NPY_FLOAT64 &&
           PyArray_NDIM((PyArrayObject *)v) == 1 && PyArray_DIM((PyArrayObject *)v, 0) == n &&
           PyArray_IS_C_CONTIGUOUS((PyArrayObject *)v) && PyArray_ISALIGNED((PyArrayObject *)v) &&
           PyArray_ISNOTSWAPPED((PyArrayObject *)v);
}

/* array += outer(a, b) for float64 arrays: each product rounded, then added, as NumPy's
 * array += np.multiply.outer(a, b) does (no fused multiply-add, which would round once). */
#if defined(__clang__)
#pragma clang fp contract(off)
#endif
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("fp-contract=off")))
#endif
static void rank1_update(double *o, const double *a, const double *b, npy_intp m, npy_intp n) {
    for (npy_intp i = 0; i < m; i++) {
        const double ai = a[i];
        double *row = o + i * n;
        for (npy_intp j = 0; j < n; j++) {
            double p = ai * b[j];
            row[j] += p;
        }
    }
}

static int add_outer(PyObject *sink, Py_ssize_t t, PyObject *a, PyObject *b) {
    PyObject *o = PyList_GET_ITEM(sink, 1);
    if (!PyArray_CheckExact(o) || PyArray_TYPE((PyArrayObject *)o) != NPY_FLOAT64 ||
        PyArray_NDIM((PyArrayObject *)o) != 2 || !PyArray_IS_C_CONTIGUOUS((PyArrayObject *)o) ||
        !PyArray_ISWRITEABLE((PyArrayObject *)o) || !PyArray_ISALIGNED((PyArrayObject *)o) ||
        !PyArray_ISNOTSWAPPED((PyArrayObject *)o))
        return general_outer(sink, t, a, b);
    npy_intp m = PyArray_DIM((PyArrayObject *)o, 0), n = PyArray_DIM((PyArrayObject *)o, 1);
    if (!is_vector64(a, m) || !is_vector64(b, n)) return general_outer(sink, t, a, b);
    rank1_update((double *)PyArray_BYTES((PyArrayObject *)o), (const double *)PyArray_BYTES((PyArrayObject *)a),
                 (const double *)PyArray_BYTES((PyArrayObject *)b), m, n);
    return 0;
}

/* The value a CARRY_OUT sink carries: v itself when its converter needs nothing. */
static PyObject *converted(PyObject *convert, PyObject *v) {
    if (PyArray_CheckExact(v)) {
        PyObject *fast = PyObject_GetAttrString(convert, "fast_dtype");
        if (fast == NULL) return NULL;
        int same = fast == Py_None ||
                   PyObject_RichCompareBool((PyObject *)PyArray_DESCR((PyArrayObject *)v), fast, Py_EQ);
        Py_DECREF(fast);
        if (same < 0) return NULL;
        if (same) {
            Py_INCREF(v);
            return v;
        }
    }
    return PyObject_CallOneArg(convert, v);
}

#define MAX_SOURCES 256

static PyObject *run_steps(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError, "run_steps(step, sources, sinks, t0, dt, n)");
        return NULL;
    }
    PyObject *step = args[0], *sources = args[1], *sinks = args[2];
    if (!PyList_Check(sources) || !PyList_Check(sinks)) {
        PyErr_SetString(PyExc_TypeError, "run_steps: sources and sinks must be lists");
        return NULL;
    }
    Py_ssize_t t0 = PyLong_AsSsize_t(args[3]), dt = PyLong_AsSsize_t(args[4]), n = PyLong_AsSsize_t(args[5]);
    if (PyErr_Occurred()) return NULL;
    Py_ssize_t nsrc = PyList_GET_SIZE(sources), nsink = PyList_GET_SIZE(sinks);
    if (nsrc > MAX_SOURCES) {
        PyErr_Format(PyExc_ValueError, "run_steps: at most %d sources", MAX_SOURCES);
        return NULL;
    }
    int kinds[MAX_SOURCES];
    for (Py_ssize_t j = 0; j < nsrc; j++) {
        PyObject *src = PyList_GET_ITEM(sources, j);
        if (!PyList_Check(src) || PyList_GET_SIZE(src) < 2) {
            PyErr_SetString(PyExc_TypeError, "run_steps: a source is a list [kind, ...]");
            return NULL;
        }
        kinds[j] = (int)PyLong_AsLong(PyList_GET_ITEM(src, 0));
        int need = kinds[j] == SLICE ? 4 : kinds[j] == ITEM ? 3 : 2;
        if ((kinds[j] < CONST || kinds[j] > ITEM) || PyList_GET_SIZE(src) < need) {
            PyErr_Format(PyExc_ValueError, "scan loop: unknown source kind or short source %zd", j);
            return NULL;
        }
    }
    Py_ssize_t nres = 0; /* sinks taking a result: every one before the ADD_OUTER sinks */
    for (Py_ssize_t j = 0; j < nsink; j++) {
        PyObject *s = PyList_GET_ITEM(sinks, j);
        long kind = PyList_Check(s) && PyList_GET_SIZE(s) ? PyLong_AsLong(PyList_GET_ITEM(s, 0)) : -1;
        int need = kind == STORE || kind == ADD || kind == CARRY_OUT ? 4 : kind == ADD_OUTER ? 5 : 1;
        if (kind < DROP || kind > ADD_OUTER || PyList_GET_SIZE(s) < need) {
            if (!PyErr_Occurred()) PyErr_Format(PyExc_ValueError, "scan loop: unknown sink kind or short sink %zd", j);
            return NULL;
        }
        if (kind != ADD_OUTER && nres != j) {
            PyErr_SetString(PyExc_ValueError, "scan loop: ADD_OUTER sinks come after the sinks of the results");
            return NULL;
        }
        if (kind != ADD_OUTER) nres = j + 1;
        if (kind == CARRY_OUT) {
            Py_ssize_t target = PyLong_AsSsize_t(PyList_GET_ITEM(s, 1));
            if (target < 0 || target >= nsrc || kinds[target] != CARRY) {
                if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "scan loop: a CARRY_OUT sink names no CARRY source");
                return NULL;
            }
        }
    }
    PyObject *argv[MAX_SOURCES];
    Py_ssize_t i;
    for (i = 0; i < n; i++) {
        Py_ssize_t t = t0 + i * dt, j, made = 0;
        int stop = 0;
        for (j = 0; j < nsrc; j++, made++) {
            PyObject *src = PyList_GET_ITEM(sources, j), *v;
            switch (kinds[j]) {
            case SLICE:
                if (PyList_GET_ITEM(src, 3) != Py_None) {
                    PyObject *tt = PyLong_FromSsize_t(t);
                    v = tt == NULL ? NULL : PyObject_CallOneArg(PyList_GET_ITEM(src, 3), tt);
                    Py_XDECREF(tt);
                } else {
                    v = row_view(PyList_GET_ITEM(src, 1), t + PyLong_AsSsize_t(PyList_GET_ITEM(src, 2)));
                }
                break;
            case ITEM:
                v = PySequence_GetItem(PyList_GET_ITEM(src, 1), t + PyLong_AsSsize_t(PyList_GET_ITEM(src, 2)));
                break;
            default: /* CONST, CARRY */
                v = PyList_GET_ITEM(src, 1);
                Py_INCREF(v);
            }
            if (v == NULL) goto fail_args;
            argv[j] = v;
        }
        PyObject *res = PyObject_Vectorcall(step, argv, nsrc, NULL);
        PyObject *fast = res == NULL ? NULL : PySequence_Fast(res, "scan loop: the step must return a list");
        Py_XDECREF(res);
        int err = fast == NULL ? -1 : 0;
        if (!err && PySequence_Fast_GET_SIZE(fast) != nres) {
            PyErr_Format(PyExc_ValueError, "scan loop: the step returned %zd results for %zd sinks",
                         PySequence_Fast_GET_SIZE(fast), nres);
            err = -1;
        }
        for (j = 0; !err && j < nsink; j++) {
            PyObject *s = PyList_GET_ITEM(sinks, j);
            int kind = (int)PyLong_AsLong(PyList_GET_ITEM(s, 0));
            if (kind == ADD_OUTER) {
                /* its factors: results (index >= 0) or this step's arguments (-1 - index) */
                PyObject *ab[2];
                for (int f = 0; f < 2; f++) {
                    Py_ssize_t r = PyLong_AsSsize_t(PyList_GET_ITEM(s, 2 + f));
                    ab[f] = r >= 0 && r < nres ? PySequence_Fast_GET_ITEM(fast, r)
                            : r < 0 && -1 - r < nsrc ? argv[-1 - r] : NULL;
                }
                if (ab[0] == NULL || ab[1] == NULL) {
                    if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "scan loop: an ADD_OUTER factor names no result or argument");
                    err = -1;
                } else {
                    err = add_outer(s, t, ab[0], ab[1]);
                }
                continue;
            }
            PyObject *v = PySequence_Fast_GET_ITEM(fast, j);
            switch (kind) {
            case STORE: err = store(s, t, v); break;
            case ADD: err = add(s, t, v); break;
            case CARRY_OUT: {
                PyObject *c = converted(PyList_GET_ITEM(s, 3), v);
                if (c == NULL) { err = -1; break; }
                PyObject *src = PyList_GET_ITEM(sources, PyLong_AsSsize_t(PyList_GET_ITEM(s, 1)));
                PyObject *record = PyList_GET_ITEM(s, 2);
                if (record != Py_None && PyList_Append(record, c) < 0) { Py_DECREF(c); err = -1; break; }
                err = PyList_SetItem(src, 1, c); /* steals c */
                break;
            }
            case UNTIL: {
                int r = PyObject_IsTrue(v);
                if (r < 0) err = -1;
                else stop = r;
                break;
            }
            default: break;
            }
        }
        Py_XDECREF(fast);
        for (j = 0; j < nsrc; j++) Py_DECREF(argv[j]);
        if (err) return NULL;
        if (stop) return PyLong_FromSsize_t(i + 1);
        continue;
    fail_args:
        for (Py_ssize_t k = 0; k < made; k++) Py_DECREF(argv[k]);
        return NULL;
    }
    return PyLong_FromSsize_t(n);
}

static PyMethodDef methods[] = {
    {"run_steps", (PyCFunction)(void (*)(void))run_steps, METH_FASTCALL,
     "run_steps(step, sources, sinks, t0, dt, n) -> steps run: theano.scan.loop.run_steps in C."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, MODULE_NAME_STR, NULL, -1, methods};

PyMODINIT_FUNC MODULE_INIT(void) {
    import_array();
    return PyModule_Create(&module);
}
