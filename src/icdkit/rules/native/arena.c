/* The piece texts in one buffer: pieces.Pieces keeps them as a list of str, one object each,
 * scattered over the heap; lines() copies ~120 a row, and reading each object's header cost
 * more than copying its text. The arena is brought up to date with the list before each chunk
 * (arena_sync): pieces are only appended, or dropped from the end (pieces.Groups.reset). */
#include "native.h"

#include <stdlib.h>

static const char *ARENA = "icdkit.rules._native.arena";

static void
arena_release(void *p)
{
    Arena *a = p;
    free(a->data);
    free(a->off);
    free(a);
}

Arena *
arena_of(PyObject *capsule)
{
    return PyCapsule_GetPointer(capsule, ARENA);
}

PyObject *
arena_new(PyObject *self, PyObject *unused)
{
    Arena *a = calloc(1, sizeof(Arena));
    if (!a || reserve(&a->off, &a->off_cap, 0, sizeof(int64_t)) < 0) {
        free(a);
        return PyErr_Occurred() ? NULL : PyErr_NoMemory();
    }
    a->off[0] = 0;
    return owned(a, ARENA, arena_release);
}

/* arena_sync(arena, texts, synced): the arena holds texts, of which it held the first synced */
PyObject *
arena_sync(PyObject *self, PyObject *args)
{
    PyObject *capsule, *texts;
    Py_ssize_t synced;
    if (!PyArg_ParseTuple(args, "OO!n:arena_sync", &capsule, &PyList_Type, &texts, &synced))
        return NULL;
    Arena *a = arena_of(capsule);
    if (!a)
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(texts);
    if (synced < 0 || synced > n) {
        PyErr_SetString(PyExc_IndexError, "arena_sync: synced out of range");
        return NULL;
    }
    if ((size_t)synced < a->n) {
        a->n = synced;
        a->size = a->off[synced];
    }
    if (reserve(&a->off, &a->off_cap, (a->n + 1) * sizeof(int64_t), (n + 1) * sizeof(int64_t)) < 0)
        return NULL;
    for (Py_ssize_t i = a->n; i < n; i++) {
        PyObject *s = PyList_GET_ITEM(texts, i);
        if (!PyUnicode_CheckExact(s) || !PyUnicode_IS_ASCII(s)) {
            a->n = i;
            a->size = a->off[i];
            return PyErr_Format(PyExc_TypeError, "arena_sync: piece %zd is not an ASCII str", i);
        }
        Py_ssize_t len = PyUnicode_GET_LENGTH(s);
        if (reserve(&a->data, &a->cap, a->size, a->size + len) < 0) {
            a->n = i;
            return NULL;
        }
        memcpy(a->data + a->size, PyUnicode_1BYTE_DATA(s), len);
        a->size += len;
        a->off[i + 1] = a->size;
    }
    a->n = n;
    Py_RETURN_NONE;
}
