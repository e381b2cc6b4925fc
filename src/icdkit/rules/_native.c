/* The columnar checker's native kernels (see columnar.py and _native.pyi).
 *
 * lines(): a chunk's JSON Lines results from its finding records. Each record names a group of
 * finding templates (pieces.py); each template is a run of text pieces with holes for the
 * codes. Here the records' templates are put in each row's order and their pieces, holes filled
 * with the codes' display forms, copied once into one string: what numpy takes and a Python
 * join of the pieces did, without an object per piece.
 *
 * read(): a chunk's rows as the columnar checker takes them: for each row, the numbers of its
 * codes and what its patient is, looked up in the checker's dicts (a patient not met yet made
 * by a Python function); a row they do not answer (a code not met yet, input in any other
 * form) goes to another.
 *
 * Integer arrays come through the buffer protocol (int64, C-contiguous), so this builds
 * against Python's headers alone. Every index read from them is checked: a bad one raises
 * IndexError, never reads out of bounds.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    Py_buffer view;
    const int64_t *v;
    Py_ssize_t n;
} Ints;

static int
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

static void
release(Ints *arrays, int n)
{
    for (int i = 0; i < n; i++)
        if (arrays[i].view.obj)
            PyBuffer_Release(&arrays[i].view);
}

/* a template of a row, with what puts it in the row's order */
typedef struct {
    uint64_t order;
    int64_t tid;
    int64_t rec;
} Entry;

enum { KEY, ROW, GROUP, FIRST, SECOND, ORDER, N_RECORD };
enum { T_START, T_LEN, T_RANK, T_FLAT, T_LEAD, G_START, G_LEN, G_FLAT, N_GROUPS };
#define N_ARRAYS (N_RECORD + N_GROUPS + 1)
static const char *NAMES[N_ARRAYS] = {
    "key", "row", "group", "first", "second", "order",
    "t_start", "t_len", "t_rank", "t_flat", "t_lead", "g_start", "g_len", "g_flat", "glued"};

#define CHECK(cond, what)                                                  \
    do {                                                                   \
        if (!(cond)) {                                                     \
            PyErr_Format(PyExc_IndexError, "lines: %s out of range", what); \
            goto done;                                                     \
        }                                                                  \
    } while (0)

/* the pieces (borrowed str) of the lines, in turn */
typedef struct {
    PyObject **at;
    Py_ssize_t size, cap;
} Parts;

static int
push(Parts *p, PyObject *s)
{
    if (p->size == p->cap) {
        Py_ssize_t cap = p->cap ? 2 * p->cap : 4096;
        PyObject **at = PyMem_Realloc(p->at, cap * sizeof(PyObject *));
        if (!at) {
            PyErr_NoMemory();
            return -1;
        }
        p->at = at;
        p->cap = cap;
    }
    p->at[p->size++] = s;
    return 0;
}

static PyObject *
lines(PyObject *self, PyObject *args)
{
    PyObject *records, *groups, *glued_obj, *bad_obj, *texts, *ids, *head;
    Py_ssize_t n_glues;
    if (!PyArg_ParseTuple(args, "O!O!OnOO!O!O!:lines", &PyTuple_Type, &records, &PyTuple_Type, &groups,
                          &glued_obj, &n_glues, &bad_obj, &PyList_Type, &texts, &PyList_Type, &ids,
                          &PyTuple_Type, &head))
        return NULL;
    if (PyTuple_GET_SIZE(records) != N_RECORD || PyTuple_GET_SIZE(groups) != N_GROUPS ||
        PyTuple_GET_SIZE(head) != 4 || n_glues < 1) {
        PyErr_SetString(PyExc_TypeError,
                        "lines: records (6 arrays), groups (8 arrays), head (4 str) and n_glues >= 1");
        return NULL;
    }
    for (int i = 0; i < 4; i++)
        if (!PyUnicode_Check(PyTuple_GET_ITEM(head, i))) {
            PyErr_SetString(PyExc_TypeError, "lines: head holds str");
            return NULL;
        }

    Ints a[N_ARRAYS];
    memset(a, 0, sizeof a);
    Py_buffer bad = {0};
    Py_ssize_t *count = NULL;
    Entry *entries = NULL;
    Parts parts = {0};
    PyObject *result = NULL, *text = NULL, *ends = NULL, *errors = NULL;

    for (int i = 0; i < N_ARRAYS; i++) {
        PyObject *obj = i < N_RECORD ? PyTuple_GET_ITEM(records, i)
                        : i < N_RECORD + N_GROUPS ? PyTuple_GET_ITEM(groups, i - N_RECORD)
                                                  : glued_obj;
        if (get_ints(obj, &a[i], NAMES[i]) < 0)
            goto done;
    }
    if (PyObject_GetBuffer(bad_obj, &bad, PyBUF_C_CONTIGUOUS) < 0)
        goto done;
    const int64_t *key = a[KEY].v, *row = a[ROW].v, *group = a[GROUP].v, *first = a[FIRST].v,
                  *second = a[SECOND].v, *order = a[ORDER].v;
    const Ints *t_start = &a[N_RECORD + T_START], *t_len = &a[N_RECORD + T_LEN],
               *t_rank = &a[N_RECORD + T_RANK], *t_flat = &a[N_RECORD + T_FLAT],
               *t_lead = &a[N_RECORD + T_LEAD], *g_start = &a[N_RECORD + G_START],
               *g_len = &a[N_RECORD + G_LEN], *g_flat = &a[N_RECORD + G_FLAT], *glued = &a[N_ARRAYS - 1];
    const Py_ssize_t n_rec = a[ROW].n, n_rows = bad.len, n_texts = PyList_GET_SIZE(texts);
    const char *is_bad = bad.buf;
    for (int i = 0; i < N_RECORD; i++)
        CHECK(a[i].n == n_rec, "record arrays' lengths");
    CHECK(PyList_GET_SIZE(ids) == n_rows, "ids (one per row)");
    CHECK(t_len->n <= t_start->n && t_len->n <= t_rank->n && t_len->n <= t_lead->n, "template arrays");
    CHECK(g_len->n <= g_start->n, "group arrays");

    /* each row's templates, counted, then placed by row in check.py's order */
    count = PyMem_Calloc(2 * (n_rows + 1), sizeof(Py_ssize_t));
    if (!count) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t *cursor = count + n_rows + 1;
    for (Py_ssize_t r = 0; r < n_rec; r++) {
        CHECK(row[r] >= 0 && row[r] < n_rows, "row");
        CHECK(group[r] >= 0 && group[r] < g_len->n, "group");
        CHECK(order[r] >= -64 && order[r] < 64 && key[r] >= 0 && key[r] < (1 << 20), "record's order");
        int64_t start = g_start->v[group[r]], len = g_len->v[group[r]];
        CHECK(start >= 0 && len >= 0 && len < 64 && start + len <= g_flat->n, "group's templates");
        if (!is_bad[row[r]])
            count[row[r] + 1] += len;
    }
    for (Py_ssize_t r = 0; r < n_rows; r++)
        count[r + 1] += count[r];
    memcpy(cursor, count, n_rows * sizeof(Py_ssize_t)); /* where each row's next template goes */
    entries = PyMem_Malloc((count[n_rows] + 1) * sizeof(Entry));
    if (!entries) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t r = 0; r < n_rec; r++) {
        int64_t R = row[r], g = group[r];
        if (is_bad[R])
            continue;
        for (int64_t w = 0, start = g_start->v[g]; w < g_len->v[g]; w++) {
            int64_t tid = g_flat->v[start + w];
            CHECK(tid >= 0 && tid < t_len->n, "template");
            int64_t rank = t_rank->v[tid];
            CHECK(rank >= 0 && rank < 4, "template's rank");
            /* severity, family and positions (key), then the order of groups at one position
             * and of templates in a group */
            uint64_t o = (((uint64_t)rank << 20 | (uint64_t)key[r]) << 7 | (uint64_t)(order[r] + 64)) << 6;
            entries[cursor[R]++] = (Entry){o | (uint64_t)w, tid, r};
        }
    }
    for (Py_ssize_t R = 0; R < n_rows; R++) { /* a row holds ~20: insertion, stable */
        Entry *e = entries + count[R];
        for (Py_ssize_t i = 1, n = count[R + 1] - count[R]; i < n; i++) {
            Entry x = e[i];
            Py_ssize_t j = i;
            for (; j > 0 && e[j - 1].order > x.order; j--)
                e[j] = e[j - 1];
            e[j] = x;
        }
    }

    /* the pieces of each line: head, id, ok, the findings' pieces, tail; cursor[R] becomes
     * the end of row R's pieces */
    errors = PyList_New(n_rows);
    if (!errors)
        goto done;
    PyObject *h_id = PyTuple_GET_ITEM(head, 0), *h_ok = PyTuple_GET_ITEM(head, 1),
             *h_error = PyTuple_GET_ITEM(head, 2), *tail = PyTuple_GET_ITEM(head, 3);
    for (Py_ssize_t R = 0; R < n_rows; R++) {
        int failed = 0;
        if (!is_bad[R]) {
            PyObject *id = PyList_GET_ITEM(ids, R);
            CHECK(PyUnicode_Check(id), "id (a str)");
            for (Py_ssize_t i = count[R]; i < count[R + 1]; i++)
                failed |= t_rank->v[entries[i].tid] == 0;
            if (push(&parts, h_id) < 0 || push(&parts, id) < 0 || push(&parts, failed ? h_error : h_ok) < 0)
                goto done;
            for (Py_ssize_t i = count[R]; i < count[R + 1]; i++) {
                const Entry *e = entries + i;
                int64_t start = t_start->v[e->tid], len = t_len->v[e->tid];
                CHECK(start >= 0 && len >= 1 && start + len <= t_flat->n, "template's pieces");
                for (int64_t k = 0; k < len; k++) {
                    /* a row's first finding has no separator before it: its lead piece */
                    int64_t p = k == 0 && i == count[R] ? t_lead->v[e->tid] : t_flat->v[start + k];
                    if (p < 0) { /* a hole: the first or second code, and the glue after it */
                        int64_t code = -1 - p, glue = code >> 1;
                        int64_t cp = code & 1 ? second[e->rec] : first[e->rec];
                        CHECK(glue < n_glues && cp >= 0 && cp < glued->n / n_glues, "hole");
                        p = glued->v[cp * n_glues + glue];
                    }
                    CHECK(p >= 0 && p < n_texts, "piece");
                    PyObject *s = PyList_GET_ITEM(texts, p);
                    CHECK(PyUnicode_Check(s), "piece (a str)");
                    if (push(&parts, s) < 0)
                        goto done;
                }
            }
            if (push(&parts, tail) < 0)
                goto done;
        }
        cursor[R] = parts.size;
        PyList_SET_ITEM(errors, R, PyBool_FromLong(failed));
    }
    Py_ssize_t length = 0;
    int ascii = 1;
    for (Py_ssize_t i = 0; i < parts.size; i++) {
        length += PyUnicode_GET_LENGTH(parts.at[i]);
        ascii &= PyUnicode_IS_ASCII(parts.at[i]) != 0;
    }
    if (ascii) { /* one copy of every piece into the text */
        text = PyUnicode_New(length, 127);
        if (!text)
            goto done;
        Py_UCS1 *at = PyUnicode_1BYTE_DATA(text);
        for (Py_ssize_t i = 0; i < parts.size; i++) {
            Py_ssize_t len = PyUnicode_GET_LENGTH(parts.at[i]);
            memcpy(at, PyUnicode_1BYTE_DATA(parts.at[i]), len);
            at += len;
        }
    }
    else { /* a piece beyond ASCII: joined by Python */
        PyObject *list = PyList_New(parts.size), *empty = PyUnicode_New(0, 0);
        if (list && empty) {
            for (Py_ssize_t i = 0; i < parts.size; i++)
                PyList_SET_ITEM(list, i, Py_NewRef(parts.at[i]));
            text = PyUnicode_Join(empty, list);
        }
        Py_XDECREF(list);
        Py_XDECREF(empty);
        if (!text)
            goto done;
    }
    /* each row's end in the text */
    ends = PyList_New(n_rows);
    if (!ends)
        goto done;
    for (Py_ssize_t R = 0, i = 0, at = 0; R < n_rows; R++) {
        for (; i < cursor[R]; i++)
            at += PyUnicode_GET_LENGTH(parts.at[i]);
        PyObject *end = PyLong_FromSsize_t(at);
        if (!end)
            goto done;
        PyList_SET_ITEM(ends, R, end);
    }
    result = PyTuple_Pack(3, text, ends, errors);

done:
    release(a, N_ARRAYS);
    if (bad.obj)
        PyBuffer_Release(&bad);
    PyMem_Free(count);
    PyMem_Free(entries);
    PyMem_Free(parts.at);
    Py_XDECREF(text);
    Py_XDECREF(ends);
    Py_XDECREF(errors);
    return result;
}

/* the row's value at key, or None (borrowed); NULL on error */
static PyObject *
field(PyObject *row, PyObject *key)
{
    PyObject *got = PyDict_GetItemWithError(row, key);
    return got || PyErr_Occurred() ? got : Py_None;
}

/* the numbers of the kept rows' codes, in turn */
typedef struct {
    int64_t *at;
    Py_ssize_t n, cap;
} Occ;

static int
reserve(Occ *o, Py_ssize_t more)
{
    if (o->n + more > o->cap) {
        Py_ssize_t cap = 2 * (o->n + more);
        int64_t *at = PyMem_Realloc(o->at, cap * sizeof(int64_t));
        if (!at) {
            PyErr_NoMemory();
            return -1;
        }
        o->at = at;
        o->cap = cap;
    }
    return 0;
}

static PyObject *K_CODES, *K_ID, *K_AGE, *K_SEX, *K_DATE, *K_SETTING;

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
numbers_of(PyObject *codes, Py_ssize_t n, PyObject *numbers, Occ *occ)
{
    if (reserve(occ, n) < 0)
        return -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *code = PyList_GET_ITEM(codes, i);
        PyObject *number = PyUnicode_CheckExact(code) ? PyDict_GetItemWithError(numbers, code) : NULL;
        if (!number)
            return PyErr_Occurred() ? -1 : 0;
        long long v = PyLong_AsLongLong(number);
        if (v == -1 && PyErr_Occurred())
            return -1;
        if (v < 0)
            return 0;
        occ->at[occ->n + i] = v;
    }
    return 1;
}

/* what read() makes of one row with the dicts: 1 kept, 0 for the Python function, -1 error */
static int
read_row(Py_ssize_t k, PyObject *row, PyObject *numbers, PyObject *patients, PyObject *patient,
         Py_ssize_t max_codes, PyObject *kept, Occ *occ)
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
    int got = seen == Py_None ? 0 : numbers_of(codes, n, numbers, occ);
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

static PyObject *
read_chunk(PyObject *self, PyObject *args)
{
    PyObject *rows, *numbers, *patients, *patient, *slow;
    Py_ssize_t max_codes;
    if (!PyArg_ParseTuple(args, "O!O!O!OnO:read", &PyList_Type, &rows, &PyDict_Type, &numbers, &PyDict_Type,
                          &patients, &patient, &max_codes, &slow))
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
        int got = read_row(k, PyTuple_GET_ITEM(item, 1), numbers, patients, patient, max_codes, kept, &occ);
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
            if (reserve(&occ, n) < 0) {
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
    PyMem_Free(occ.at);
    Py_DECREF(kept);
    return result;
}

static PyMethodDef METHODS[] = {
    {"lines", lines, METH_VARARGS,
     "lines(records, groups, glued, n_glues, bad, texts, ids, head) -> (text, ends, errors)\n\n"
     "A chunk's JSON Lines results from its finding records (see _native.pyi)."},
    {"read", read_chunk, METH_VARARGS,
     "read(rows, numbers, patients, patient, max_codes, slow) -> (kept, occ)\n\n"
     "A chunk's rows with their codes' numbers and patients (see _native.pyi)."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef MODULE = {PyModuleDef_HEAD_INIT, "_native",
                                    "The columnar checker's native kernels.", -1, METHODS,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC
PyInit__native(void)
{
    PyObject **keys[] = {&K_CODES, &K_ID, &K_AGE, &K_SEX, &K_DATE, &K_SETTING};
    const char *names[] = {"codes", "id", "age", "sex", "date", "setting"};
    for (int i = 0; i < 6; i++)
        if (!(*keys[i] = PyUnicode_InternFromString(names[i])))
            return NULL;
    return PyModule_Create(&MODULE);
}
