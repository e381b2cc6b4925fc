/* read(): a chunk's rows as the columnar checker takes them. A row is a dict, or a JSON line not
 * read yet (bytes: line.c reads it in its simple form). For each row, the numbers of its codes
 * (index.c) and its patient, looked up in the checker's dict (a patient not met yet made by a
 * Python function); a row they do not answer (a code not met yet, input in any other form)
 * goes to another Python function, which reads it as the checker always did. */
#include "native.h"

#include <stdlib.h>

static PyObject *KEY[N_FIELDS]; /* FIELDS as str, the keys of a row's dict */

int
read_init(void)
{
    for (int i = 0; i < N_FIELDS; i++)
        if (!(KEY[i] = PyUnicode_InternFromString(FIELDS[i])))
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


/* a row's age, sex, date and setting as a tuple (a new reference), from its dict */
static PyObject *
given_by_dict(PyObject *row)
{
    PyObject *given = PyTuple_New(4);
    if (!given)
        return NULL;
    for (int i = 0; i < 4; i++) {
        PyObject *v = field(row, KEY[AGE + i]); /* AGE, SEX, DATE, SETTING in turn */
        if (!v) {
            Py_DECREF(given);
            return NULL;
        }
        PyTuple_SET_ITEM(given, i, Py_NewRef(v));
    }
    return given;
}

static PyObject *
text_or_none(Span s)
{
    return s.at ? PyUnicode_FromStringAndSize(s.at, s.len) : Py_NewRef(Py_None);
}

/* the same from a line read by read_line: what json.loads would have made */
static PyObject *
given_by_line(const Line *line)
{
    PyObject *v[4] = {line->has_age ? PyLong_FromLongLong(line->age) : Py_NewRef(Py_None), text_or_none(line->sex),
                      text_or_none(line->date), text_or_none(line->setting)};
    PyObject *given = v[0] && v[1] && v[2] && v[3] ? PyTuple_New(4) : NULL;
    for (int i = 0; i < 4; i++)
        if (given)
            PyTuple_SET_ITEM(given, i, v[i]);
        else
            Py_XDECREF(v[i]);
    return given;
}

/* the patient of a row given its age, sex, date and setting (a new reference): from patients,
 * else made by patient(), which answers None for bad input; NULL on error */
static PyObject *
patient_of(PyObject *given, PyObject *patients, PyObject *patient)
{
    if (!given)
        return NULL;
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

/* the row kept: its tuple (k, id, the patient's 5 items, n) appended to kept, its n codes'
 * numbers (put in occ already) counted in; steals id. 1, or -1 on error */
static int
keep(Py_ssize_t k, PyObject *id, PyObject *seen, Py_ssize_t n, PyObject *kept, Occ *occ)
{
    PyObject *one = id ? PyTuple_New(8) : NULL;
    if (!one) {
        Py_XDECREF(id);
        return -1;
    }
    PyTuple_SET_ITEM(one, 0, PyLong_FromSsize_t(k));
    PyTuple_SET_ITEM(one, 1, id);
    for (int i = 0; i < 5; i++)
        PyTuple_SET_ITEM(one, 2 + i, Py_NewRef(PyTuple_GET_ITEM(seen, i)));
    PyTuple_SET_ITEM(one, 7, PyLong_FromSsize_t(n));
    int got = PyTuple_GET_ITEM(one, 0) && PyTuple_GET_ITEM(one, 7) && PyList_Append(kept, one) == 0 ? 1 : -1;
    Py_DECREF(one);
    occ->n += got == 1 ? n : 0;
    return got;
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

/* the same for a line's codes */
static int
numbers_by_line(const Line *line, const Index *index, Occ *occ)
{
    if (more(occ, line->n_codes) < 0)
        return -1;
    for (Py_ssize_t i = 0; i < line->n_codes; i++) {
        int64_t v;
        if (!index_spelling(index, line->codes[i].at, line->codes[i].len, &v) || v < 0)
            return 0;
        occ->at[occ->n + i] = v;
    }
    return 1;
}

/* what read() makes of one row, a dict or a line (bytes) not read yet: 1 kept, 0 for the
 * Python function, -1 error */
static int
read_row(Py_ssize_t k, PyObject *row, const Index *index, PyObject *numbers, PyObject *patients,
         PyObject *patient, Py_ssize_t max_codes, PyObject *kept, Occ *occ)
{
    Line line;
    PyObject *codes = NULL, *id = NULL, *given;
    Py_ssize_t n;
    if (PyBytes_CheckExact(row)) {
        if (!read_line(PyBytes_AS_STRING(row), PyBytes_GET_SIZE(row), max_codes, &line) || !line.has_codes ||
            !line.has_id || !line.id.at || line.id.len == 0 || line.n_codes < 1)
            return 0;
        n = line.n_codes;
        given = given_by_line(&line);
    }
    else if (PyDict_CheckExact(row)) {
        codes = field(row, KEY[CODES]);
        id = field(row, KEY[ID]);
        if (!codes || !id)
            return -1;
        n = PyList_CheckExact(codes) ? PyList_GET_SIZE(codes) : 0;
        if (n < 1 || n > max_codes || !PyUnicode_CheckExact(id) || PyUnicode_GET_LENGTH(id) == 0)
            return 0;
        given = given_by_dict(row);
    }
    else
        return 0;
    PyObject *seen = patient_of(given, patients, patient);
    if (!seen)
        return -1;
    int got = seen == Py_None ? 0
              : codes         ? numbers_of(codes, n, index, numbers, occ)
                              : numbers_by_line(&line, index, occ);
    if (got == 1)
        got = keep(k, codes ? Py_NewRef(id) : PyUnicode_FromStringAndSize(line.id.at, line.id.len), seen, n,
                   kept, occ);
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
