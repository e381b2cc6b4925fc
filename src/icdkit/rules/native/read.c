/* read(): a chunk's rows as the columnar checker takes them. For each row, the numbers of its
 * codes (index.c) and its patient, looked up in the checker's dict (a patient not met yet made
 * by a Python function); a row they do not answer (a code not met yet, input in any other
 * form) goes to another Python function, which reads it as the checker always did. */
#include "native.h"

#include <stdlib.h>

static PyObject *K_CODES, *K_ID, *K_AGE, *K_SEX, *K_DATE, *K_SETTING;

int
read_init(void)
{
    PyObject **keys[] = {&K_CODES, &K_ID, &K_AGE, &K_SEX, &K_DATE, &K_SETTING};
    const char *names[] = {"codes", "id", "age", "sex", "date", "setting"};
    for (int i = 0; i < 6; i++)
        if (!(*keys[i] = PyUnicode_InternFromString(names[i])))
            return -1;
    return 0;
}

/* the numbers of the kept rows' codes, in turn */
typedef struct {
    int64_t *at;
    Py_ssize_t n;
    size_t cap; /* bytes */
} Occ;

static int
more(Occ *o, Py_ssize_t n)
{
    return reserve(&o->at, &o->cap, o->n * sizeof(int64_t), (o->n + n) * sizeof(int64_t));
}

/* the row's value at key, or None (borrowed); NULL on error */
static PyObject *
field(PyObject *row, PyObject *key)
{
    PyObject *got = PyDict_GetItemWithError(row, key);
    return got || PyErr_Occurred() ? got : Py_None;
}


/* the patient of a row (a new reference): from patients, else made by patient(), which
 * answers None for bad input; NULL on error */
static PyObject *
patient_of(PyObject *row, PyObject *patients, PyObject *patient)
{
    static PyObject **keys[4] = {&K_AGE, &K_SEX, &K_DATE, &K_SETTING};
    PyObject *given = PyTuple_New(4);
    if (!given)
        return NULL;
    for (int i = 0; i < 4; i++) {
        PyObject *v = field(row, *keys[i]);
        if (!v) {
            Py_DECREF(given);
            return NULL;
        }
        PyTuple_SET_ITEM(given, i, Py_NewRef(v));
    }
    PyObject *seen = PyDict_GetItemWithError(patients, given);
    if (seen)
        Py_INCREF(seen);
    else {
        PyErr_Clear(); /* unhashable input: patient() says None */
        seen = PyObject_CallOneArg(patient, given);
    }
    Py_DECREF(given);
    if (seen && seen != Py_None && (!PyTuple_CheckExact(seen) || PyTuple_GET_SIZE(seen) != 5)) {
        Py_DECREF(seen);
        PyErr_SetString(PyExc_TypeError, "read: a patient is a 5-tuple");
        return NULL;
    }
    return seen;
}

/* the numbers of a row's codes into occ (not counted in yet): 1 when each has one, 0 when one
 * has none (not met yet, or not a code), -1 on error */
static int
numbers_of(PyObject *codes, Py_ssize_t n, const Index *index, PyObject *numbers, Occ *occ)
{
    if (more(occ, n) < 0)
        return -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        int64_t v;
        int got = index_number(index, numbers, PyList_GET_ITEM(codes, i), &v);
        if (got <= 0 || v < 0)
            return got < 0 ? -1 : 0;
        occ->at[occ->n + i] = v;
    }
    return 1;
}

/* what read() makes of one row with the dicts: 1 kept, 0 for the Python function, -1 error */
static int
read_row(Py_ssize_t k, PyObject *row, const Index *index, PyObject *numbers, PyObject *patients,
         PyObject *patient, Py_ssize_t max_codes, PyObject *kept, Occ *occ)
{
    if (!PyDict_CheckExact(row))
        return 0;
    PyObject *codes = field(row, K_CODES), *id = field(row, K_ID);
    if (!codes || !id)
        return -1;
    Py_ssize_t n = PyList_CheckExact(codes) ? PyList_GET_SIZE(codes) : 0;
    if (n < 1 || n > max_codes || !PyUnicode_CheckExact(id) || PyUnicode_GET_LENGTH(id) == 0)
        return 0;
    PyObject *seen = patient_of(row, patients, patient);
    if (!seen)
        return -1;
    int got = seen == Py_None ? 0 : numbers_of(codes, n, index, numbers, occ);
    if (got == 1) {
        PyObject *one = PyTuple_New(8);
        got = one ? 1 : -1;
        if (one) {
            PyTuple_SET_ITEM(one, 0, PyLong_FromSsize_t(k));
            PyTuple_SET_ITEM(one, 1, Py_NewRef(id));
            for (int i = 0; i < 5; i++)
                PyTuple_SET_ITEM(one, 2 + i, Py_NewRef(PyTuple_GET_ITEM(seen, i)));
            PyTuple_SET_ITEM(one, 7, PyLong_FromSsize_t(n));
            if (!PyTuple_GET_ITEM(one, 0) || !PyTuple_GET_ITEM(one, 7) || PyList_Append(kept, one) < 0)
                got = -1;
            Py_DECREF(one);
        }
        if (got == 1)
            occ->n += n;
    }
    Py_DECREF(seen);
    return got;
}

PyObject *
read_chunk(PyObject *self, PyObject *args)
{
    PyObject *rows, *numbers, *capsule, *patients, *patient, *slow;
    Py_ssize_t max_codes;
    if (!PyArg_ParseTuple(args, "O!O!OO!OnO:read", &PyList_Type, &rows, &PyDict_Type, &numbers, &capsule,
                          &PyDict_Type, &patients, &patient, &max_codes, &slow))
        return NULL;
    Index *index = index_of(capsule);
    if (!index || index_sync(index, numbers) < 0)
        return NULL;
    PyObject *kept = PyList_New(0), *result = NULL;
    Occ occ = {0};
    if (!kept)
        return NULL;
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(rows); k++) {
        PyObject *item = PyList_GET_ITEM(rows, k);
        if (!PyTuple_CheckExact(item) || PyTuple_GET_SIZE(item) != 2) {
            PyErr_SetString(PyExc_TypeError, "read: rows are (row number, row) pairs");
            goto done;
        }
        int got = read_row(k, PyTuple_GET_ITEM(item, 1), index, numbers, patients, patient, max_codes, kept,
                           &occ);
        if (got < 0)
            goto done;
        if (got)
            continue;
        /* the Python function: None, or (the row's kept tuple, its codes' numbers) */
        PyObject *answer = PyObject_CallFunction(slow, "nO", k, item);
        if (!answer)
            goto done;
        if (answer != Py_None) {
            PyObject *one, *codes;
            if (!PyArg_ParseTuple(answer, "O!O!:read's answer", &PyTuple_Type, &one, &PyList_Type, &codes) ||
                PyList_Append(kept, one) < 0) {
                Py_DECREF(answer);
                goto done;
            }
            Py_ssize_t n = PyList_GET_SIZE(codes);
            if (more(&occ, n) < 0) {
                Py_DECREF(answer);
                goto done;
            }
            for (Py_ssize_t i = 0; i < n; i++)
                occ.at[occ.n++] = PyLong_AsLongLong(PyList_GET_ITEM(codes, i));
        }
        Py_DECREF(answer);
        if (PyErr_Occurred())
            goto done;
    }
    {
        PyObject *numbers_of = PyBytes_FromStringAndSize((const char *)occ.at, occ.n * sizeof(int64_t));
        if (numbers_of) {
            result = PyTuple_Pack(2, kept, numbers_of);
            Py_DECREF(numbers_of);
        }
    }
done:
    free(occ.at);
    Py_DECREF(kept);
    return result;
}
