"""`theano.sandbox`: Theano 1.0's home of MRG_RandomStreams (`theano.sandbox.rng_mrg`)."""
