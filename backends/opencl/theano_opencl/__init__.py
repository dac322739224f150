"""The OpenCL backend of theano: PyOpenCL arrays, kernels rendered to OpenCL C."""
