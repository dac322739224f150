/* The smallest CPython extension: the C backend's probe builds it once (cached) to learn that
 * this Python's headers and the compiler really produce loadable extensions, since the
 * backend's call path and row kernels are such extensions. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static struct PyModuleDef probe_module = {PyModuleDef_HEAD_INIT, MODULE_NAME_STR, NULL, -1, NULL};

PyMODINIT_FUNC MODULE_INIT(void) { return PyModule_Create(&probe_module); }
