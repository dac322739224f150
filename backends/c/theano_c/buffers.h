/* Output buffers kept between calls of one node, shared by the C backend's extension modules.
 *
 * A large NumPy allocation is a fresh mmap that the kernel then page-faults in, every call.
 * So each node keeps (a reference to) the arrays it returned last, and writes into one again
 * when nothing else holds it: a reference count of 1 means only this slot knows the array, so
 * no user variable, shared container, view (a view holds its base) or in-place node can see
 * the memory being overwritten. Two slots, because an update's new value is held by its shared
 * container until the next call has computed the one after it: the two buffers alternate.
 *
 * Slots are only touched with the GIL held; a buffer taken out of its slot belongs to that call
 * alone until it is put back, so concurrent calls of one function never share one.
 */
#ifndef THEANO_C_BUFFERS_H
#define THEANO_C_BUFFERS_H

#define REUSE_SLOTS 2

typedef struct {
    PyArrayObject *slot[REUSE_SLOTS];
} reuse_t;

static int reuse_fits(PyArrayObject *a, int nd, const npy_intp *shape, int typenum) {
    if (Py_REFCNT(a) != 1 || PyArray_NDIM(a) != nd || PyArray_TYPE(a) != typenum) return 0;
    for (int d = 0; d < nd; d++)
        if (PyArray_DIM(a, d) != shape[d]) return 0;
    return 1;
}

/* A C-contiguous array of that shape and type: a kept one nobody else holds (counted in
 * *reused), else a new one. */
static PyArrayObject *reuse_empty(reuse_t *r, int nd, const npy_intp *shape, int typenum,
                                  Py_ssize_t *reused) {
    for (int s = 0; s < REUSE_SLOTS; s++) {
        PyArrayObject *a = r->slot[s];
        if (a != NULL && reuse_fits(a, nd, shape, typenum)) {
            r->slot[s] = NULL;  /* the caller owns the reference now */
            ++*reused;
            return a;
        }
    }
    return (PyArrayObject *)PyArray_EMPTY(nd, (npy_intp *)shape, typenum, 0);
}

/* Remember `a` (a buffer reuse_empty gave out) for the next call; takes no reference from the
 * caller. A slot whose array someone else still holds, or that has gone unused, is replaced. */
static void reuse_keep(reuse_t *r, PyArrayObject *a) {
    int victim = -1;
    for (int s = 0; s < REUSE_SLOTS; s++) {
        if (r->slot[s] == a) return;
        if (r->slot[s] == NULL) { victim = s; break; }
    }
    if (victim < 0) {
        /* both full: drop one held elsewhere (ours is only an extra reference), else the first */
        victim = 0;
        for (int s = 0; s < REUSE_SLOTS; s++)
            if (Py_REFCNT(r->slot[s]) > 1) { victim = s; break; }
    }
    Py_INCREF(a);
    Py_XSETREF(r->slot[victim], a);
}

static void reuse_clear(reuse_t *r) {
    for (int s = 0; s < REUSE_SLOTS; s++) Py_CLEAR(r->slot[s]);
}

#endif
