# Sparse (Theano tutorial: Sparse)
# From the Theano 1.0.5 documentation, doc/tutorial/sparse.txt lines 45-180
# (https://github.com/Theano/Theano/blob/rel-1.0.5/doc/tutorial/sparse.txt), code kept as written
# (doctest prompts removed). Copyright (c) 2008-2020, Theano Development Team;
# BSD 3-clause licence, see LICENSE.txt in this folder.

import theano
import numpy as np
import scipy.sparse as sp
from theano import sparse
sparse.all_dtypes  # doctest: +SKIP
x = sparse.csc_matrix(name='x', dtype='float32')
y = sparse.dense_from_sparse(x)
z = sparse.csc_from_dense(y)
x = sparse.csc_matrix(name='x', dtype='int64')
data, indices, indptr, shape = sparse.csm_properties(x)
y = sparse.CSR(data, indices, indptr, shape)
f = theano.function([x], y)
a = sp.csc_matrix(np.asarray([[0, 1, 1], [0, 0, 0], [1, 0, 0]]))
print(a.toarray())
print(f(a).toarray())
x = sparse.csc_matrix(name='x', dtype='float32')
y = sparse.structured_add(x, 2)
f = theano.function([x], y)
a = sp.csc_matrix(np.asarray([[0, 0, -1], [0, -2, 1], [3, 0, 0]], dtype='float32'))
print(a.toarray())
print(f(a).toarray())
