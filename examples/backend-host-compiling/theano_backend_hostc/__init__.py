"""theano-backend-hostc: a worked example of a backend that compiles its kernels on the host."""
