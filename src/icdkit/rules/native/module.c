/* The module icdkit.rules._native: see native.h. */
#include "native.h"

static PyMethodDef METHODS[] = {
    {"lines", lines, METH_VARARGS,
     "lines(records, groups, glued, n_glues, arena, ids, head) -> (text, ends, errors)"},
    {"read", read_chunk, METH_VARARGS,
     "read(rows, numbers, index, patients, patient, max_codes, slow) -> (kept, occ)"},
    {"pairs", pairs, METH_VARARGS,
     "pairs(gid, rank, lens, cuts, start, base, live, span) -> int64 bytes of (a, b, cell) triples"},
    {"arena", arena_new, METH_NOARGS, "arena() -> a new, empty arena of piece texts"},
    {"arena_sync", arena_sync, METH_VARARGS, "arena_sync(arena, texts, synced): the arena holds texts"},
    {"index", index_new, METH_NOARGS, "index() -> a new index of code spellings (built by read)"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef MODULE = {PyModuleDef_HEAD_INIT, "_native", "The columnar checker's native kernels.",
                                    -1, METHODS, NULL, NULL, NULL, NULL};

#ifndef ICDKIT_NATIVE_SOURCES
#define ICDKIT_NATIVE_SOURCES "unknown"
#endif

PyMODINIT_FUNC
PyInit__native(void)
{
    if (read_init() < 0)
        return NULL;
    PyObject *m = PyModule_Create(&MODULE);
    /* the digest of the sources it was built from (rules/native_sources.py) */
    if (m != NULL && PyModule_AddStringConstant(m, "SOURCES", ICDKIT_NATIVE_SOURCES) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
