# Scan example (scan_power), Theano tutorial: Loop
# From the Theano 1.0.5 documentation, doc/tutorial/loop.txt lines 359-390
# (https://github.com/Theano/Theano/blob/rel-1.0.5/doc/tutorial/loop.txt), code kept as written
# (doctest prompts removed). Copyright (c) 2008-2020, Theano Development Team;
# BSD 3-clause licence, see LICENSE.txt in this folder.

import theano
import theano.tensor as T
theano.config.warn.subtensor_merge_bug = False

k = T.iscalar("k")
A = T.vector("A")

def inner_fct(prior_result, B):
    return prior_result * B

# Symbolic description of the result
result, updates = theano.scan(fn=inner_fct,
                            outputs_info=T.ones_like(A),
                            non_sequences=A, n_steps=k)

# Scan has provided us with A ** 1 through A ** k.  Keep only the last
# value. Scan notices this and does not waste memory saving them.
final_result = result[-1]

power = theano.function(inputs=[A, k], outputs=final_result,
                      updates=updates)

print(power(range(10), 2))
