# Scan example (scan_polynomial), Theano tutorial: Loop
# From the Theano 1.0.5 documentation, doc/tutorial/loop.txt lines 392-426
# (https://github.com/Theano/Theano/blob/rel-1.0.5/doc/tutorial/loop.txt), code kept as written
# (doctest prompts removed). Copyright (c) 2008-2020, Theano Development Team;
# BSD 3-clause licence, see LICENSE.txt in this folder.

import numpy
import theano
import theano.tensor as T
theano.config.warn.subtensor_merge_bug = False

coefficients = theano.tensor.vector("coefficients")
x = T.scalar("x")
max_coefficients_supported = 10000

# Generate the components of the polynomial
full_range=theano.tensor.arange(max_coefficients_supported)
components, updates = theano.scan(fn=lambda coeff, power, free_var:
                                   coeff * (free_var ** power),
                                outputs_info=None,
                                sequences=[coefficients, full_range],
                                non_sequences=x)

polynomial = components.sum()
calculate_polynomial = theano.function(inputs=[coefficients, x],
                                     outputs=polynomial)

test_coeff = numpy.asarray([1, 0, 2], dtype=numpy.float32)
print(calculate_polynomial(test_coeff, 3))
