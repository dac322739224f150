/* The common cases of TensorType.filter, compiled: what a call's arguments usually are.
 *
 * Filter(typenum, bcast, strict, lossy_ok, python_filter, downcast=False)
 *   typenum:  the input's NumPy type number; bcast: bytes, one flag per axis (its ndim)
 *   strict:   only an ndarray of exactly the type is accepted (In(strict=True))
 *   lossy_ok: a Python float may round to float32 (allow_downcast, or float32 is floatX)
 *   python_filter: the type's own filter, called for everything else, so the accepted values,
 *             the conversions and the error messages are exactly TensorType.filter's
 *   downcast: allow_downcast is True: a NumPy float scalar may round to float32
 *
 * Handled here: an ndarray of exactly the type (returned as it is); for a 0-d input, a Python
 * float into float64 (or float32 when that rounds nothing, or lossy_ok), a Python int into an
 * integer or float type that holds it exactly (NumPy's conversion, checked for loss), and a
 * NumPy scalar: of the input's own type as it is, else a float or integer one when its value
 * survives the conversion (Theano's rule: np.float64(1.5) fits a float32 input, np.float64(0.1)
 * does not). What is not converted exactly goes to python_filter, which decides and explains.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <numpy/arrayscalars.h>
#include <float.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_DIMS 32

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    int typenum, ndim, strict, lossy_ok, downcast, any_bcast;
    char bcast[MAX_DIMS];
    PyObject *python_filter;
    PyTypeObject *own_scalar; /* the NumPy scalar class of typenum */
} FilterObject;

static PyObject *zero_d(int typenum, const void *value, size_t size) {
    PyObject *a = PyArray_SimpleNew(0, NULL, typenum);
    if (a != NULL) memcpy(PyArray_DATA((PyArrayObject *)a), value, size);
    return a;
}

/* An integer as a 0-d array of the type when it converts exactly, else NULL without error. */
static PyObject *from_ll(FilterObject *self, long long v) {
#define RANGED(T, lo, hi)                                              \
    if (v < (long long)(lo) || v > (long long)(hi)) return NULL;        \
    { T x = (T)v; return zero_d(self->typenum, &x, sizeof x); }
    switch (self->typenum) {
    case NPY_INT64: { int64_t x = v; return zero_d(self->typenum, &x, sizeof x); }
    case NPY_INT32: RANGED(int32_t, INT32_MIN, INT32_MAX)
    case NPY_INT16: RANGED(int16_t, INT16_MIN, INT16_MAX)
    case NPY_INT8: RANGED(int8_t, INT8_MIN, INT8_MAX)
    case NPY_UINT64: RANGED(uint64_t, 0, INT64_MAX)
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

/* A Python int as a 0-d array of the type when it converts exactly, else NULL without error. */
static PyObject *from_int(FilterObject *self, PyObject *o) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow || (v == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        return NULL;
    }
    return from_ll(self, v);
}

/* A NumPy float's value as a 0-d array of the type when it converts exactly (or, downcast,
 * rounds to a float32 in range), else NULL without error: NaN, infinities and values out of
 * range are left to the Python filter, which knows Theano's answer for each. */
static PyObject *from_double(FilterObject *self, double x) {
    switch (self->typenum) {
    case NPY_DOUBLE: return zero_d(NPY_DOUBLE, &x, sizeof x);
    case NPY_FLOAT:
        if (x >= -FLT_MAX && x <= FLT_MAX) {
            float f = (float)x;
            if (self->downcast || (double)f == x) return zero_d(NPY_FLOAT, &f, sizeof f);
        }
        return NULL;
    case NPY_INT64: case NPY_INT32: case NPY_INT16: case NPY_INT8:
    case NPY_UINT64: case NPY_UINT32: case NPY_UINT16: case NPY_UINT8:
        /* an integral value in long long's range (the comparisons are false for NaN) */
        if (x >= -9223372036854775808.0 && x < 9223372036854775808.0 && x == (double)(long long)x)
            return from_ll(self, (long long)x);
        return NULL;
    default: return NULL;
    }
}

/* A NumPy scalar: of the input's own type, as a 0-d array; a float or integer of another type
 * when its value converts exactly; else NULL without error (bool, complex, float16 and long
 * double sources, and every refusal, go to the Python filter). */
static PyObject *from_numpy_scalar(FilterObject *self, PyObject *o) {
    PyTypeObject *t = Py_TYPE(o);
    if (t == self->own_scalar) {
        /* the common types read their value directly: PyArray_ScalarAsCtype looks the
         * scalar's descriptor up first, which made np.float32 slower than a Python float */
        switch (self->typenum) {
        case NPY_FLOAT: { float x = PyArrayScalar_VAL(o, Float); return zero_d(NPY_FLOAT, &x, sizeof x); }
        case NPY_DOUBLE: { double x = PyArrayScalar_VAL(o, Double); return zero_d(NPY_DOUBLE, &x, sizeof x); }
        default: break;
        }
        PyObject *a = PyArray_SimpleNew(0, NULL, self->typenum);
        if (a != NULL) PyArray_ScalarAsCtype(o, PyArray_DATA((PyArrayObject *)a));
        return a;
    }
    if (t == &PyDoubleArrType_Type) return from_double(self, PyArrayScalar_VAL(o, Double));
    if (t == &PyFloatArrType_Type) return from_double(self, (double)PyArrayScalar_VAL(o, Float));
#define SIGNED(NAME) if (t == &Py##NAME##ArrType_Type) return from_ll(self, (long long)PyArrayScalar_VAL(o, NAME));
#define UNSIGNED(NAME)                                                          \
    if (t == &Py##NAME##ArrType_Type) {                                         \
        unsigned long long u = (unsigned long long)PyArrayScalar_VAL(o, NAME);  \
        return u <= (unsigned long long)INT64_MAX ? from_ll(self, (long long)u) : NULL; \
    }
    SIGNED(Long) SIGNED(Int) SIGNED(LongLong) SIGNED(Short) SIGNED(Byte)
    UNSIGNED(ULong) UNSIGNED(UInt) UNSIGNED(ULongLong) UNSIGNED(UShort) UNSIGNED(UByte)
#undef SIGNED
#undef UNSIGNED
    return NULL;
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
            } else if (PyArray_IsScalar(o, Generic)) {
                PyObject *r = from_numpy_scalar(self, o);
                if (r != NULL || PyErr_Occurred()) return r;
            }
        }
    }
    return PyObject_Vectorcall(self->python_filter, args, nargsf, kwnames);
}

static PyObject *filter_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
    int typenum, strict, lossy_ok, downcast = 0;
    PyObject *bcast, *python_filter;
    if (!PyArg_ParseTuple(args, "iSppO|p:Filter", &typenum, &bcast, &strict, &lossy_ok, &python_filter,
                          &downcast))
        return NULL;
    if (PyBytes_GET_SIZE(bcast) > MAX_DIMS) {
        PyErr_SetString(PyExc_ValueError, "Filter: too many dimensions");
        return NULL;
    }
    PyArray_Descr *descr = PyArray_DescrFromType(typenum);
    if (descr == NULL) return NULL;
    FilterObject *self = (FilterObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        Py_DECREF(descr);
        return NULL;
    }
    self->own_scalar = descr->typeobj;
    Py_INCREF(self->own_scalar);
    Py_DECREF(descr);
    self->downcast = downcast;
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
    Py_XDECREF(self->own_scalar);
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
