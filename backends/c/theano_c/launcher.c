/* The thin driver between Python and compiled kernels: one generic launch function.
 *
 * launch(meta, *inputs) -> output or tuple of outputs
 *   meta = (entry_address, ndim, bcast, out_typenums, in_typenums, checker, reduced, nonempty)
 *     entry_address: int, a `void entry(int64 n, const int64* shape, int contiguous,
 *                    char** data, const int64** strides)` made for one kernel
 *     bcast:         bytes, nin * ndim flags (1 = that input's axis is broadcastable)
 *     checker:       a Python callable run on a shape mismatch to raise the precise error
 *     reduced:       None for an elementwise kernel; for a kernel with a trailing reduction,
 *                    bytes of ndim flags (1 = the axis is reduced): the one output then has
 *                    the kept axes, and its strides are passed with 0 on the reduced axes
 *     nonempty:      the reduction has no identity (max, min): an empty reduced extent is
 *                    an error, which the checker raises with NumPy's meaning
 *
 * It checks Theano's broadcasting rule, allocates the outputs (C-contiguous), computes byte
 * strides (0 on broadcast axes) and whether one flat index serves every array, then calls
 * the kernel with the GIL released. Everything that changes per kernel is in `meta`, so this
 * file is compiled once per machine and shared by every kernel of every graph.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <stdint.h>

#define MAX_ARGS 64
#define MAX_DIMS 32

typedef void (*entry_fn)(int64_t, const int64_t *, int, char **, const int64_t **);

static PyObject *launch(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs < 1 || !PyTuple_Check(args[0]) || PyTuple_GET_SIZE(args[0]) != 8) {
        PyErr_SetString(PyExc_TypeError, "launch(meta, *inputs): bad meta");
        return NULL;
    }
    PyObject *meta = args[0];
    entry_fn entry = (entry_fn)PyLong_AsVoidPtr(PyTuple_GET_ITEM(meta, 0));
    int ndim = (int)PyLong_AsLong(PyTuple_GET_ITEM(meta, 1));
    PyObject *bcast_obj = PyTuple_GET_ITEM(meta, 2);
    PyObject *out_types = PyTuple_GET_ITEM(meta, 3);
    PyObject *in_types = PyTuple_GET_ITEM(meta, 4);
    PyObject *checker = PyTuple_GET_ITEM(meta, 5);
    PyObject *reduced_obj = PyTuple_GET_ITEM(meta, 6);
    const char *reduced = reduced_obj == Py_None ? NULL : PyBytes_AS_STRING(reduced_obj);
    int nonempty = PyObject_IsTrue(PyTuple_GET_ITEM(meta, 7));
    Py_ssize_t nin = nargs - 1;
    Py_ssize_t nout = PyTuple_GET_SIZE(out_types);
    if (nin + nout > MAX_ARGS || ndim > MAX_DIMS || PyTuple_GET_SIZE(in_types) != nin) {
        PyErr_SetString(PyExc_ValueError, "launch: too many arguments or dimensions");
        return NULL;
    }
    const char *bcast = PyBytes_AS_STRING(bcast_obj);
    PyArrayObject *arrs[MAX_ARGS];
    PyObject *result = NULL;
    Py_ssize_t k;
    int d;
    for (k = 0; k < nin; k++) {
        PyObject *a = args[k + 1];
        int tn = (int)PyLong_AsLong(PyTuple_GET_ITEM(in_types, k));
        if (PyArray_CheckExact(a) && PyArray_TYPE((PyArrayObject *)a) == tn && PyArray_NDIM((PyArrayObject *)a) == ndim) {
            Py_INCREF(a);
            arrs[k] = (PyArrayObject *)a;
        } else {
            /* numpy scalars from host ops, or a value of another dtype: convert once */
            arrs[k] = (PyArrayObject *)PyArray_FROM_OTF(a, tn, NPY_ARRAY_ALIGNED);
            if (arrs[k] == NULL) { nin = k; goto fail; }
            if (PyArray_NDIM(arrs[k]) != ndim) {
                PyErr_Format(PyExc_ValueError, "kernel input %zd has %d dimensions, expected %d",
                             k, PyArray_NDIM(arrs[k]), ndim);
                nin = k + 1;
                goto fail;
            }
        }
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
                PyObject *r = PyObject_Vectorcall(checker, args + 1, nin, NULL);
                Py_XDECREF(r);
                if (!PyErr_Occurred())
                    PyErr_Format(PyExc_ValueError, "input dimension mismatch on axis %d", d);
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
    if (reduced && nonempty && reduced_extent == 0 && total > 0) {
        PyObject *r = PyObject_Vectorcall(checker, args + 1, nin, NULL);
        Py_XDECREF(r);
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "zero-size reduction with no identity");
        goto fail;
    }
    for (k = 0; k < nout; k++) {
        int tn = (int)PyLong_AsLong(PyTuple_GET_ITEM(out_types, k));
        arrs[nin + k] = (PyArrayObject *)PyArray_EMPTY(out_ndim, out_shape, tn, 0);
        if (arrs[nin + k] == NULL) { nout = k; goto fail_out; }
    }
    char *data[MAX_ARGS];
    int64_t stride_buf[MAX_ARGS][MAX_DIMS > 0 ? MAX_DIMS : 1];
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
    int64_t shape64[MAX_DIMS > 0 ? MAX_DIMS : 1];
    for (d = 0; d < ndim; d++) shape64[d] = shape[d];
    if (ndim == 0) shape64[0] = 1;
    if (total > 0) {
        if (total > 16384) {
            Py_BEGIN_ALLOW_THREADS
            entry(total, shape64, contiguous, data, strides);
            Py_END_ALLOW_THREADS
        } else {
            entry(total, shape64, contiguous, data, strides);
        }
    }
    for (k = 0; k < nin; k++) Py_DECREF(arrs[k]);
    if (nout == 1) return (PyObject *)arrs[nin];
    result = PyTuple_New(nout);
    for (k = 0; k < nout; k++) PyTuple_SET_ITEM(result, k, (PyObject *)arrs[nin + k]);
    return result;
fail_out:
    for (k = 0; k < nout; k++) Py_DECREF(arrs[nin + k]);
fail:
    for (k = 0; k < nin; k++) Py_XDECREF(arrs[k]);
    return NULL;
}

static PyMethodDef methods[] = {
    {"launch", (PyCFunction)(void (*)(void))launch, METH_FASTCALL, "Run a compiled kernel on arrays."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, MODULE_NAME_STR, NULL, -1, methods};

PyMODINIT_FUNC MODULE_INIT(void) {
    import_array();
    return PyModule_Create(&module);
}
