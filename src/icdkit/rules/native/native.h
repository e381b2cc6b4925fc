/* The columnar checker's native kernels (columnar.py; the Python signatures in ../_native.pyi).
 *
 * lines.c  a chunk's JSON Lines results from its finding records
 * read.c   a chunk's rows: their codes' numbers and their patients
 * line.c   a JSON Lines row in its simple form, read without Python objects
 * screen.c a chunk's pair screen: the pairs of codes a note may relate
 * arena.c  the piece texts in one buffer (a mirror of pieces.Pieces.text)
 * index.c  code spellings -> numbers in one table (a mirror of tables.Tables.numbers)
 * memory.c buffers, arrays from Python
 *
 * Integer arrays come through the buffer protocol (int64, C-contiguous), so this builds against
 * Python's headers alone. Every index read from them is checked: a bad one raises IndexError,
 * never reads out of bounds.
 */
#ifndef ICDKIT_NATIVE_H
#define ICDKIT_NATIVE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* Platform-specific hints, guarded so the sources build with any C compiler (GCC and Clang on
 * Linux and macOS, MSVC on Windows): a prefetch is only advice, so without one it is nothing. */
#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)0)
#endif

/* memory.c */
typedef struct {
    Py_buffer view;
    const int64_t *v;
    Py_ssize_t n;
} Ints;

int get_ints(PyObject *obj, Ints *out, const char *name);
int get_flags(PyObject *obj, Py_buffer *out, const char *name);
void release_ints(Ints *arrays, int n);
int reserve(void *at, size_t *cap, size_t used, size_t need);
PyObject *owned(void *p, const char *name, void (*release)(void *));

/* in a kernel: unless cond, raise IndexError naming what is out of range, and go to done */
#define CHECK(cond, what)                                                         \
    do {                                                                          \
        if (!(cond)) {                                                            \
            PyErr_Format(PyExc_IndexError, "%s: %s out of range", __func__, what); \
            goto done;                                                            \
        }                                                                         \
    } while (0)

/* arena.c */
typedef struct {
    char *data;
    size_t size, cap;
    int64_t *off; /* piece i is data[off[i]:off[i + 1]] */
    size_t n, off_cap;
} Arena;

Arena *arena_of(PyObject *capsule);
PyObject *arena_new(PyObject *self, PyObject *unused);
PyObject *arena_sync(PyObject *self, PyObject *args);

/* line.c */
#define LINE_CODES 128

/* the fields of a batch row the columnar checker reads, named once (line.c) */
enum { ID, CODES, AGE, SEX, DATE, SETTING, N_FIELDS };
extern const char *const FIELDS[N_FIELDS];

typedef struct {
    const char *at; /* NULL: null, or not given */
    Py_ssize_t len;
} Span;

typedef struct {
    Span id, sex, date, setting;
    int has_id, has_codes, has_age;
    long long age;
    Span codes[LINE_CODES];
    Py_ssize_t n_codes;
} Line;

int read_line(const char *text, Py_ssize_t len, Py_ssize_t max_codes, Line *line);

/* index.c */
typedef struct Index Index;

Index *index_of(PyObject *capsule);
PyObject *index_new(PyObject *self, PyObject *unused);
int index_sync(Index *index, PyObject *numbers);
int index_number(const Index *index, PyObject *numbers, PyObject *code, int64_t *number);
int index_spelling(const Index *index, const char *text, Py_ssize_t len, int64_t *number);

/* lines.c, read.c, screen.c */
PyObject *lines(PyObject *self, PyObject *args);
PyObject *read_chunk(PyObject *self, PyObject *args);
PyObject *pairs(PyObject *self, PyObject *args);
int read_init(void);

#endif
