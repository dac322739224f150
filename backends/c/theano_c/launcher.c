/* The thin driver between Python and compiled kernels: one callable object per kernel node.
 *
 * Kernel(entry, ndim, bcast, out_types, in_types, checker, reduced, nonempty, inplace)
 *   entry:     int, the address of a `void entry(int64 n, const int64* shape, int contiguous,
 *              char** data, const int64** strides)` made for one kernel
 *   bcast:     bytes, nin * ndim flags (1 = that input's axis is broadcastable)
 *   out_types, in_types: NumPy type numbers
 *   checker:   a Python callable run on a shape mismatch to raise the precise error
 *   reduced:   None for an elementwise kernel; for a kernel with a trailing reduction, bytes of
 *              ndim flags (1 = the axis is reduced): the one output then has the kept axes, and
 *              its strides are passed with 0 on the reduced axes
 *   nonempty:  the reduction has no identity (max, min): an empty reduced extent is an error,
 *              which the checker raises with NumPy's meaning
 *   inplace:   a tuple, per output, of the input it overwrites (the op's destroy_map) or -1
 *
 * Calling it with the inputs checks Theano's broadcasting rule, finds the outputs' memory (the
 * destroyed input, a buffer kept from the last call that nobody else holds, or a new array),
 * computes byte strides (0 on broadcast axes) and whether one flat index serves every array,
 * then runs the kernel with the GIL released. The metadata is parsed once, at construction,
 * so a call costs one vectorcall. This file is compiled once per machine and shared by every
 * kernel of every graph.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <stdint.h>

#include "buffers.h"

#define MAX_ARGS 64
#define MAX_DIMS 32

typedef void (*entry_fn)(int64_t, const int64_t *, int, char **, const int64_t **);

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    entry_fn entry;
    int ndim, nin, nout, nonempty, has_reduced;
    char bcast[MAX_ARGS * MAX_DIMS];
    char reduced[MAX_DIMS];
    int in_types[MAX_ARGS], out_types[MAX_ARGS], inplace[MAX_ARGS];
    PyObject *checker;
    Py_ssize_t reused;  /* outputs written into a kept buffer: for tests and curiosity */
    reuse_t reuse[MAX_ARGS];
} KernelObject;

static PyObject *raise_via_checker(KernelObject *self, PyObject *const *args, Py_ssize_t nin,
                                   const char *fallback_msg) {
    PyObject *r = PyObject_Vectorcall(self->checker, args, nin, NULL);
    Py_XDECREF(r);
    if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, fallback_msg);
    return NULL;
}

/* The destroyed input's memory when writing the output there is safe: the right type and
 * shape, writeable, and no element reachable twice (a broadcast view has stride 0 on an axis
 * longer than 1). Otherwise the output gets memory of its own, which is equally correct. */
static int can_overwrite(PyArrayObject *a, int typenum, int nd, const npy_intp *shape) {
    if (PyArray_TYPE(a) != typenum || PyArray_NDIM(a) != nd || !PyArray_ISWRITEABLE(a) ||
        !PyArray_ISALIGNED(a))
        return 0;
    for (int d = 0; d < nd; d++)
        if (PyArray_DIM(a, d) != shape[d] || (shape[d] > 1 && PyArray_STRIDE(a, d) == 0)) return 0;
    return 1;
}

static PyObject *kernel_call(KernelObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames) {
    Py_ssize_t nin = PyVectorcall_NARGS(nargsf);
    const int ndim = self->ndim, nout = self->nout;
    if (kwnames != NULL || nin != self->nin) {
        PyErr_Format(PyExc_TypeError, "kernel takes %d positional inputs, got %zd", self->nin, nin);
        return NULL;
    }
    const char *bcast = self->bcast;
    const char *reduced = self->has_reduced ? self->reduced : NULL;
    PyArrayObject *arrs[MAX_ARGS];
    int pooled[MAX_ARGS];
    Py_ssize_t k, n_held = 0, n_out_held = 0;
    int d;
    for (k = 0; k < nin; k++) {
        PyObject *a = args[k];
        int tn = self->in_types[k];
        if (PyArray_CheckExact(a) && PyArray_TYPE((PyArrayObject *)a) == tn && PyArray_NDIM((PyArrayObject *)a) == ndim) {
            Py_INCREF(a);
            arrs[k] = (PyArrayObject *)a;
        } else {
            /* numpy scalars from host ops, or a value of another dtype: convert once */
            arrs[k] = (PyArrayObject *)PyArray_FROM_OTF(a, tn, NPY_ARRAY_ALIGNED);
            if (arrs[k] == NULL) goto fail;
            if (PyArray_NDIM(arrs[k]) != ndim) {
                PyErr_Format(PyExc_ValueError, "kernel input %zd has %d dimensions, expected %d",
                             k, PyArray_NDIM(arrs[k]), ndim);
                n_held = k + 1;
                goto fail;
            }
        }
        n_held = k + 1;
    }
    npy_intp shape[MAX_DIMS];
    for (d = 0; d < ndim; d++) {
        npy_intp n = -1;
        for (k = 0; k < nin; k++) {
            if (bcast[k * ndim + d]) continue;
            npy_intp m = PyArray_DIM(arrs[k], d);
            if (n < 0) n = m;
            else if (m != n) {
                /* let the reference implementation say exactly which op and line */
                raise_via_checker(self, args, nin, "input dimension mismatch");
                goto fail;
            }
        }
        shape[d] = n < 0 ? 1 : n;
    }
    /* total: the elements the kernel's flat index runs over (the outputs' elements) */
    int64_t total = 1, reduced_extent = 1;
    npy_intp out_shape[MAX_DIMS];
    int out_ndim = 0;
    for (d = 0; d < ndim; d++) {
        if (reduced && reduced[d]) { reduced_extent *= shape[d]; continue; }
        total *= shape[d];
        out_shape[out_ndim++] = shape[d];
    }
    if (reduced && self->nonempty && reduced_extent == 0 && total > 0) {
        raise_via_checker(self, args, nin, "zero-size reduction with no identity");
        goto fail;
    }
    for (k = 0; k < nout; k++) {
        int tn = self->out_types[k], src = self->inplace[k];
        PyArrayObject *o = NULL;
        pooled[k] = 0;
        if (src >= 0 && can_overwrite(arrs[src], tn, out_ndim, out_shape)) {
            Py_INCREF(arrs[src]);
            o = arrs[src];
        } else {
            o = reuse_empty(&self->reuse[k], out_ndim, out_shape, tn, &self->reused);
            if (o == NULL) goto fail_out;
            pooled[k] = 1;
        }
        arrs[nin + k] = o;
        n_out_held = k + 1;
    }
    char *data[MAX_ARGS];
    int64_t stride_buf[MAX_ARGS][MAX_DIMS];
    const int64_t *strides[MAX_ARGS];
    int contiguous = 1;
    for (k = 0; k < nin + nout; k++) {
        PyArrayObject *a = arrs[k];
        int all_b = 1;
        data[k] = PyArray_BYTES(a);
        if (k >= nin && reduced) {
            /* the reduced output: one stride per loop axis, 0 on the reduced ones */
            int od = 0;
            for (d = 0; d < ndim; d++)
                stride_buf[k][d] = reduced[d] ? 0 : (int64_t)PyArray_STRIDE(a, od++);
            if (ndim == 0) stride_buf[k][0] = 0;
            strides[k] = stride_buf[k];
            if (!PyArray_IS_C_CONTIGUOUS(a)) contiguous = 0;
            continue;
        }
        for (d = 0; d < ndim; d++) {
            int b = k < nin && bcast[k * ndim + d];
            all_b &= b;
            stride_buf[k][d] = b ? 0 : (int64_t)PyArray_STRIDE(a, d);
        }
        if (ndim == 0) stride_buf[k][0] = 0;
        strides[k] = stride_buf[k];
        if (!(k < nin && all_b && ndim > 0)) {
            /* every non-broadcast array must be C-contiguous with the loop's shape */
            if (!PyArray_IS_C_CONTIGUOUS(a)) contiguous = 0;
            else for (d = 0; d < ndim; d++) if (PyArray_DIM(a, d) != shape[d]) contiguous = 0;
        }
    }
    int64_t shape64[MAX_DIMS];
    for (d = 0; d < ndim; d++) shape64[d] = shape[d];
    if (ndim == 0) shape64[0] = 1;
    if (total > 0) {
        if (total > 16384) {
            Py_BEGIN_ALLOW_THREADS
            self->entry(total, shape64, contiguous, data, strides);
            Py_END_ALLOW_THREADS
        } else {
            self->entry(total, shape64, contiguous, data, strides);
        }
    }
    for (k = 0; k < nin; k++) Py_DECREF(arrs[k]);
    for (k = 0; k < nout; k++)
        if (pooled[k]) reuse_keep(&self->reuse[k], arrs[nin + k]);
    if (nout == 1) return (PyObject *)arrs[nin];
    PyObject *result = PyTuple_New(nout);
    if (result == NULL) {
        for (k = 0; k < nout; k++) Py_DECREF(arrs[nin + k]);
        return NULL;
    }
    for (k = 0; k < nout; k++) PyTuple_SET_ITEM(result, k, (PyObject *)arrs[nin + k]);
    return result;
fail_out:
    for (k = 0; k < n_out_held; k++) Py_DECREF(arrs[nin + k]);
fail:
    for (k = 0; k < n_held; k++) Py_DECREF(arrs[k]);
    return NULL;
}

static int parse_types(PyObject *seq, int *out, int limit, const char *what) {
    PyObject *fast = PySequence_Fast(seq, what);
    if (fast == NULL) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    if (n > limit) {
        Py_DECREF(fast);
        PyErr_Format(PyExc_ValueError, "Kernel: too many %s (at most %d)", what, limit);
        return -1;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        out[k] = (int)PyLong_AsLong(PySequence_Fast_GET_ITEM(fast, k));
        if (out[k] == -1 && PyErr_Occurred()) { Py_DECREF(fast); return -1; }
    }
    Py_DECREF(fast);
    return (int)n;
}

static PyObject *kernel_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
    PyObject *entry, *bcast, *out_types, *in_types, *checker, *reduced, *inplace = Py_None;
    int ndim, nonempty;
    if (!PyArg_ParseTuple(args, "OiSOOOOp|O:Kernel", &entry, &ndim, &bcast, &out_types, &in_types,
                          &checker, &reduced, &nonempty, &inplace))
        return NULL;
    if (ndim < 0 || ndim > MAX_DIMS) {
        PyErr_Format(PyExc_ValueError, "Kernel: %d dimensions (at most %d)", ndim, MAX_DIMS);
        return NULL;
    }
    KernelObject *self = (KernelObject *)type->tp_alloc(type, 0);
    if (self == NULL) return NULL;
    self->vectorcall = (vectorcallfunc)kernel_call;
    self->entry = (entry_fn)PyLong_AsVoidPtr(entry);
    self->ndim = ndim;
    self->nonempty = nonempty;
    if ((self->nin = parse_types(in_types, self->in_types, MAX_ARGS, "inputs")) < 0 ||
        (self->nout = parse_types(out_types, self->out_types, MAX_ARGS, "outputs")) < 0)
        goto fail;
    if (self->nin + self->nout > MAX_ARGS || PyBytes_GET_SIZE(bcast) != (Py_ssize_t)self->nin * ndim) {
        PyErr_SetString(PyExc_ValueError, "Kernel: too many arrays, or bcast of the wrong length");
        goto fail;
    }
    memcpy(self->bcast, PyBytes_AS_STRING(bcast), PyBytes_GET_SIZE(bcast));
    if (reduced != Py_None) {
        if (!PyBytes_Check(reduced) || PyBytes_GET_SIZE(reduced) != ndim) {
            PyErr_SetString(PyExc_ValueError, "Kernel: reduced must be None or ndim bytes");
            goto fail;
        }
        self->has_reduced = 1;
        memcpy(self->reduced, PyBytes_AS_STRING(reduced), ndim);
    }
    for (int k = 0; k < MAX_ARGS; k++) self->inplace[k] = -1;
    if (inplace != Py_None) {
        int n = parse_types(inplace, self->inplace, MAX_ARGS, "inplace");
        if (n < 0) goto fail;
        for (int k = 0; k < n; k++)
            if (self->inplace[k] >= self->nin || k >= self->nout || self->has_reduced) {
                PyErr_SetString(PyExc_ValueError, "Kernel: bad inplace pattern");
                goto fail;
            }
    }
    Py_INCREF(checker);
    self->checker = checker;
    return (PyObject *)self;
fail:
    Py_DECREF(self);
    return NULL;
}

static void kernel_dealloc(KernelObject *self) {
    for (int k = 0; k < MAX_ARGS; k++) reuse_clear(&self->reuse[k]);
    Py_XDECREF(self->checker);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *kernel_free(KernelObject *self, PyObject *unused) {
    for (int k = 0; k < self->nout; k++) reuse_clear(&self->reuse[k]);
    Py_RETURN_NONE;
}

static PyMethodDef kernel_methods[] = {
    {"free", (PyCFunction)kernel_free, METH_NOARGS, "Drop the buffers kept for the next call."},
    {NULL, NULL, 0, NULL}};

static PyMemberDef kernel_members[] = {
    {"reused", T_PYSSIZET, offsetof(KernelObject, reused), READONLY,
     "how many outputs were written into a buffer kept from an earlier call"},
    {NULL, 0, 0, 0, NULL}};

static PyTypeObject KernelType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = MODULE_NAME_STR ".Kernel",
    .tp_basicsize = sizeof(KernelObject),
    .tp_dealloc = (destructor)kernel_dealloc,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(KernelObject, vectorcall),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "A compiled kernel bound to its metadata: call it with the input arrays.",
    .tp_new = kernel_new,
    .tp_methods = kernel_methods,
    .tp_members = kernel_members,
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, MODULE_NAME_STR, NULL, -1, NULL};

PyMODINIT_FUNC MODULE_INIT(void) {
    import_array();
    if (PyType_Ready(&KernelType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    Py_INCREF(&KernelType);
    if (PyModule_AddObject(m, "Kernel", (PyObject *)&KernelType) < 0) {
        Py_DECREF(&KernelType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
