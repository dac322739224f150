"""`import cupy` as the fake CuPy of backends/cuda/tests/fakecupy.py, for rehearsing the GPU check on a
machine without a GPU: PYTHONPATH=$PWD/backends/cuda/tests/fake_site python backends/cuda/gpu_check.py OUT.
Never on the path of the normal tests (they install the fake themselves, and undo it)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
import fakecupy  # noqa: E402

sys.modules[__name__] = fakecupy.module()
