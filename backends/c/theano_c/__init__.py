"""The C backend: graphs run as compiled C kernels, cached on disk."""
