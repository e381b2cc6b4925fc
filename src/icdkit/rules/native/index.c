/* Code spellings -> numbers in one open-addressing table: tables.Tables.numbers is a dict of
 * ~75,000 str keys, and a lookup there reads the key object, the entry and the value object,
 * each a likely miss of cache and TLB. Here a spelling of up to 8 ASCII characters (every ICD-10-CM
 * code, with or without its dot) is packed into a 64-bit key, and a slot holds key and number.
 * The dict is the truth: it only grows (a spelling met for the first time), so the table is
 * rebuilt when the dict's size is not the one it was built from; spellings that do not pack
 * are looked up in the dict. */
#include "native.h"

#include <stdlib.h>

static const char *INDEX = "icdkit.rules._native.index";

typedef struct {
    uint64_t key; /* 0: empty */
    int64_t number;
} Slot;

struct Index {
    Slot *slots;
    size_t cap; /* bytes */
    uint64_t mask;
    int shift;
    Py_ssize_t built_from; /* the dict's size, -1 before the first build */
};

static void
index_release(void *p)
{
    Index *index = p;
    free(index->slots);
    free(index);
}

Index *
index_of(PyObject *capsule)
{
    return PyCapsule_GetPointer(capsule, INDEX);
}

PyObject *
index_new(PyObject *self, PyObject *unused)
{
    Index *index = calloc(1, sizeof(Index));
    if (!index)
        return PyErr_NoMemory();
    index->built_from = -1;
    return owned(index, INDEX, index_release);
}

/* the key of a spelling: its ASCII bytes, little-endian, zero-padded; 0 when it does not pack */
static uint64_t
pack_text(const unsigned char *c, Py_ssize_t len)
{
    if (len < 1 || len > 8)
        return 0;
    uint64_t key = 0;
    for (Py_ssize_t i = 0; i < len; i++) {
        if (!c[i])
            return 0;
        key |= (uint64_t)c[i] << (8 * i);
    }
    return key;
}

static uint64_t
pack(PyObject *s)
{
    if (!PyUnicode_CheckExact(s) || !PyUnicode_IS_ASCII(s))
        return 0;
    return pack_text(PyUnicode_1BYTE_DATA(s), PyUnicode_GET_LENGTH(s));
}

static Slot *
slot(const Index *index, uint64_t key)
{
    uint64_t at = (key * 0x9E3779B97F4A7C15ULL) >> index->shift;
    while (index->slots[at].key && index->slots[at].key != key)
        at = (at + 1) & index->mask;
    return &index->slots[at];
}

int
index_sync(Index *index, PyObject *numbers)
{
    Py_ssize_t size = PyDict_GET_SIZE(numbers);
    if (size == index->built_from)
        return 0;
    int bits = 10;
    while (((Py_ssize_t)1 << bits) < 2 * size)
        bits++;
    size_t need = sizeof(Slot) << bits;
    if (reserve(&index->slots, &index->cap, 0, need) < 0)
        return -1;
    memset(index->slots, 0, need);
    index->mask = ((uint64_t)1 << bits) - 1;
    index->shift = 64 - bits;
    Py_ssize_t pos = 0;
    PyObject *code, *number;
    while (PyDict_Next(numbers, &pos, &code, &number)) {
        uint64_t key = pack(code);
        if (!key)
            continue;
        long long v = PyLong_AsLongLong(number);
        if (v == -1 && PyErr_Occurred())
            return -1;
        Slot *s = slot(index, key);
        s->key = key;
        s->number = v;
    }
    index->built_from = size;
    return 0;
}

static int
find(const Index *index, uint64_t key, int64_t *number)
{
    const Slot *s = slot(index, key);
    *number = s->number;
    return s->key != 0;
}

/* the number of a spelling (index synced with numbers): 1 found, 0 not there, -1 error */
int
index_number(const Index *index, PyObject *numbers, PyObject *code, int64_t *number)
{
    uint64_t key = pack(code);
    if (key)
        return find(index, key, number);
    PyObject *got = PyUnicode_CheckExact(code) ? PyDict_GetItemWithError(numbers, code) : NULL;
    if (!got)
        return PyErr_Occurred() ? -1 : 0;
    long long v = PyLong_AsLongLong(got);
    if (v == -1 && PyErr_Occurred())
        return -1;
    *number = v;
    return 1;
}

/* the number of a spelling given as ASCII text (index synced): 1 found, 0 not there or too long */
int
index_spelling(const Index *index, const char *text, Py_ssize_t len, int64_t *number)
{
    uint64_t key = pack_text((const unsigned char *)text, len);
    return key ? find(index, key, number) : 0;
}
