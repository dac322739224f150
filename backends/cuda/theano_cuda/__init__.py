"""The CUDA backend of theano, on CuPy (NVRTC for generated kernels, cuBLAS for products).

Importing this package never imports CuPy: `plugin` holds the hooks, `backend` the runtime."""
