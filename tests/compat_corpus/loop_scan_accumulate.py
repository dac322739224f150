# Scan example (scan_accumulate), Theano tutorial: Loop
# From the Theano 1.0.5 documentation, doc/tutorial/loop.txt lines 299-316
# (https://github.com/Theano/Theano/blob/rel-1.0.5/doc/tutorial/loop.txt), code kept as written
# (doctest prompts removed). Copyright (c) 2008-2020, Theano Development Team;
# BSD 3-clause licence, see LICENSE.txt in this folder.

import theano
import theano.tensor as T
import numpy as np

# define shared variables
k = theano.shared(0)
n_sym = T.iscalar("n_sym")

results, updates = theano.scan(lambda:{k:(k + 1)}, n_steps=n_sym)
accumulator = theano.function([n_sym], [], updates=updates, allow_input_downcast=True)

k.get_value()
accumulator(5)
k.get_value()
