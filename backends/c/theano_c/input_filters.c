/* The common cases of TensorType.filter, compiled: what a call's arguments usually are.
 *
 * Filter(typenum, bcast, strict, lossy_ok, python_filter)
 *   typenum:  the input's NumPy type number; bcast: bytes, one flag per axis (its ndim)
 *   strict:   only an ndarray of exactly the type is accepted (In(strict=True))
 *   lossy_ok: a Python float may round to float32 (allow_downcast, or float32 is floatX)
 *   python_filter: the type's own filter, called for everything else, so the accepted values,
 *             the conversions and the error messages are exactly TensorType.filter's
 *
 * Handled here: an ndarray of exactly the type (returned as it is); for a 0-d input, a Python
 * float into float64 (or float32 when that rounds nothing, or lossy_ok) and a Python int into
 * an integer or float type that holds it exactly (NumPy's conversion, checked for loss).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_DIMS 32

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    int typenum, ndim, strict, lossy_ok, any_bcast;
    char bcast[MAX_DIMS];
    PyObject *python_filter;
} FilterObject;

static PyObject *zero_d(int typenum, const void *value, size_t size) {
    PyObject *a = PyArray_SimpleNew(0, NULL, typenum);
    if (a != NULL) memcpy(PyArray_DATA((PyArrayObject *)a), value, size);
    return a;
}

/* A Python int as a 0-d array of the type when it converts exactly, else NULL without error. */
static PyObject *from_int(FilterObject *self, PyObject *o) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow || (v == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        return NULL;
    }
#define RANGED(T, lo, hi)                                              \
    if (v < (long long)(lo) || v > (long long)(hi)) return NULL;        \
    { T x = (T)v; return zero_d(self->typenum, &x, sizeof x); }
    switch (self->typenum) {
    case NPY_INT64: { int64_t x = v; return zero_d(self->typenum, &x, sizeof x); }
    case NPY_INT32: RANGED(int32_t, INT32_MIN, INT32_MAX)
    case NPY_INT16: RANGED(int16_t, INT16_MIN, INT16_MAX)
    case NPY_INT8: RANGED(int8_t, INT8_MIN, INT8_MAX)
    case NPY_UINT32: RANGED(uint32_t, 0, UINT32_MAX)
    case NPY_UINT16: RANGED(uint16_t, 0, UINT16_MAX)
    case NPY_UINT8: RANGED(uint8_t, 0, UINT8_MAX)
    /* beyond 2**53 (2**24) NumPy's check compares rounded values: leave those to it */
    case NPY_DOUBLE: RANGED(double, -(1LL << 53), 1LL << 53)
    case NPY_FLOAT: RANGED(float, -(1LL << 24), 1LL << 24)
    default: return NULL;
    }
#undef RANGED
}

static PyObject *filter_call(FilterObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames) {
    if (kwnames == NULL && PyVectorcall_NARGS(nargsf) == 1) {
        PyObject *o = args[0];
        if (PyArray_CheckExact(o)) {
            PyArrayObject *a = (PyArrayObject *)o;
            if (PyArray_TYPE(a) == self->typenum && PyArray_ISNBO(PyArray_DESCR(a)->byteorder) &&
                PyArray_NDIM(a) == self->ndim) {
                int ok = 1;
                for (int d = 0; self->any_bcast && d < self->ndim; d++)
                    if (self->bcast[d] && PyArray_DIM(a, d) != 1) ok = 0;
                if (ok) {
                    Py_INCREF(o);
                    return o;
                }
            }
        } else if (self->ndim == 0 && !self->strict) {
            if (PyFloat_CheckExact(o)) {
                double v = PyFloat_AS_DOUBLE(o);
                if (self->typenum == NPY_DOUBLE) return zero_d(NPY_DOUBLE, &v, sizeof v);
                if (self->typenum == NPY_FLOAT) {
                    float f = (float)v;
                    if (self->lossy_ok || (double)f == v || v != v) return zero_d(NPY_FLOAT, &f, sizeof f);
                }
            } else if (PyLong_CheckExact(o)) {
                PyObject *r = from_int(self, o);
                if (r != NULL || PyErr_Occurred()) return r;
            }
        }
    }
    return PyObject_Vectorcall(self->python_filter, args, nargsf, kwnames);
}

static PyObject *filter_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
    int typenum, strict, lossy_ok;
    PyObject *bcast, *python_filter;
    if (!PyArg_ParseTuple(args, "iSppO:Filter", &typenum, &bcast, &strict, &lossy_ok, &python_filter))
        return NULL;
    if (PyBytes_GET_SIZE(bcast) > MAX_DIMS) {
        PyErr_SetString(PyExc_ValueError, "Filter: too many dimensions");
        return NULL;
    }
    FilterObject *self = (FilterObject *)type->tp_alloc(type, 0);
    if (self == NULL) return NULL;
    self->vectorcall = (vectorcallfunc)filter_call;
    self->typenum = typenum;
    self->ndim = (int)PyBytes_GET_SIZE(bcast);
    self->strict = strict;
    self->lossy_ok = lossy_ok;
    memcpy(self->bcast, PyBytes_AS_STRING(bcast), self->ndim);
    for (int d = 0; d < self->ndim; d++) self->any_bcast |= self->bcast[d] != 0;
    Py_INCREF(python_filter);
    self->python_filter = python_filter;
    return (PyObject *)self;
}

static void filter_dealloc(FilterObject *self) {
    Py_XDECREF(self->python_filter);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyTypeObject FilterType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = MODULE_NAME_STR ".Filter",
    .tp_basicsize = sizeof(FilterObject),
    .tp_dealloc = (destructor)filter_dealloc,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(FilterObject, vectorcall),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "TensorType.filter's common cases, compiled; the rest goes to the Python filter.",
    .tp_new = filter_new,
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, MODULE_NAME_STR, NULL, -1, NULL};

PyMODINIT_FUNC MODULE_INIT(void) {
    import_array();
    if (PyType_Ready(&FilterType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    Py_INCREF(&FilterType);
    if (PyModule_AddObject(m, "Filter", (PyObject *)&FilterType) < 0) {
        Py_DECREF(&FilterType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
