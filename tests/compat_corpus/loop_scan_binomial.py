# Scan example (scan_binomial), Theano tutorial: Loop
# From the Theano 1.0.5 documentation, doc/tutorial/loop.txt lines 318-356
# (https://github.com/Theano/Theano/blob/rel-1.0.5/doc/tutorial/loop.txt), code kept as written
# (doctest prompts removed). Copyright (c) 2008-2020, Theano Development Team;
# BSD 3-clause licence, see LICENSE.txt in this folder.

import theano
import theano.tensor as T
import numpy as np

# define tensor variables
X = T.matrix("X")
W = T.matrix("W")
b_sym = T.vector("b_sym")

# define shared random stream
trng = T.shared_randomstreams.RandomStreams(1234)
d=trng.binomial(size=W[1].shape)

results, updates = theano.scan(lambda v: T.tanh(T.dot(v, W) + b_sym) * d, sequences=X)
compute_with_bnoise = theano.function(inputs=[X, W, b_sym], outputs=results,
                          updates=updates, allow_input_downcast=True)
x = np.eye(10, 2, dtype=theano.config.floatX)
w = np.ones((2, 2), dtype=theano.config.floatX)
b = np.ones((2), dtype=theano.config.floatX)

print(compute_with_bnoise(x, w, b))
