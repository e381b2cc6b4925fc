/* Buffers and arrays from Python (see native.h). */
#include "native.h"

#include <stdlib.h>
#if defined(__linux__)
#include <sys/mman.h> /* madvise(MADV_HUGEPAGE): Linux only */
#endif

#define HUGE_PAGE ((size_t)2 << 20)

int
get_ints(PyObject *obj, Ints *out, const char *name)
{
    if (PyObject_GetBuffer(obj, &out->view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return -1;
    const char *f = out->view.format ? out->view.format : "B";
    char last = f[strlen(f) - 1];
    if (out->view.itemsize != 8 || (last != 'l' && last != 'q')) {
        PyErr_Format(PyExc_TypeError, "%s: an int64 array is needed, not format %s", name, f);
        PyBuffer_Release(&out->view);
        out->view.obj = NULL;
        return -1;
    }
    out->v = (const int64_t *)out->view.buf;
    out->n = out->view.len / 8;
    return 0;
}

/* a C-contiguous array of one-byte flags (numpy bool) */
int
get_flags(PyObject *obj, Py_buffer *out, const char *name)
{
    if (PyObject_GetBuffer(obj, out, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return -1;
    if (out->itemsize != 1) {
        PyErr_Format(PyExc_TypeError, "%s: a bool array is needed, not items of %zd bytes", name, out->itemsize);
        PyBuffer_Release(out);
        out->obj = NULL;
        return -1;
    }
    return 0;
}

void
release_ints(Ints *arrays, int n)
{
    for (int i = 0; i < n; i++)
        if (arrays[i].view.obj)
            PyBuffer_Release(&arrays[i].view);
}

/* *(void **)at grown to hold at least need bytes, keeping its first used; cap is its size.
 * A buffer of a huge page or more is aligned to one and advised to use them: the arena and
 * the index are read at random over megabytes, and a miss of the TLB costs more than one of
 * the cache. Free with free(). */
int
reserve(void *at, size_t *cap, size_t used, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t size = *cap ? *cap : 4096;
    while (size < need)
        size *= 2;
    void *grown = NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (size >= HUGE_PAGE) {
        if (posix_memalign(&grown, HUGE_PAGE, size) != 0)
            grown = NULL;
        else
            (void)madvise(grown, size, MADV_HUGEPAGE); /* advice: without it, plain pages */
    }
    else
#endif
        grown = malloc(size);
    if (!grown) {
        PyErr_NoMemory();
        return -1;
    }
    void **old = (void **)at;
    if (used)
        memcpy(grown, *old, used);
    free(*old);
    *old = grown;
    *cap = size;
    return 0;
}

static void
release_capsule(PyObject *capsule)
{
    void (*release)(void *) = (void (*)(void *))PyCapsule_GetContext(capsule);
    void *p = PyCapsule_GetPointer(capsule, PyCapsule_GetName(capsule));
    if (release && p)
        release(p);
}

/* a capsule named name owning p: release(p) when it goes, or at once if it cannot be made */
PyObject *
owned(void *p, const char *name, void (*release)(void *))
{
    PyObject *got = PyCapsule_New(p, name, release_capsule);
    if (!got || PyCapsule_SetContext(got, (void *)release) < 0) {
        Py_XDECREF(got); /* (no context yet: nothing released by the capsule) */
        release(p);
        return NULL;
    }
    return got;
}
