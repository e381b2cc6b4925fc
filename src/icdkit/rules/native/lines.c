/* lines(): a chunk's JSON Lines results from its finding records. Each record names a group of
 * finding templates (finding_text.py); each template is a run of text pieces with holes for the
 * codes. Here the records' templates are put in each row's order and their pieces, holes filled
 * with the codes' display forms, copied once into one string: what numpy sorts and takes and a
 * Python join of the pieces did, without an object per piece. The pieces' texts are read from
 * the arena (arena.c). */
#include "native.h"

#include <stdlib.h>

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

#define AHEAD 16 /* pieces fetched ahead of their use */

/* the texts of the lines, in turn (a piece's number in len until its text is looked up) */
typedef struct {
    const char *at;
    Py_ssize_t len;
} Part;

typedef struct {
    Part *at;
    Py_ssize_t size;
    size_t cap; /* bytes */
} Parts;

static int
push(Parts *p, const char *at, Py_ssize_t len)
{
    if (reserve(&p->at, &p->cap, p->size * sizeof(Part), (p->size + 1) * sizeof(Part)) < 0)
        return -1;
    p->at[p->size++] = (Part){at, len};
    return 0;
}

/* an ASCII str's text (lines' head and ids), or NULL */
static const char *
ascii(PyObject *s, Py_ssize_t *len, const char *what)
{
    if (!PyUnicode_CheckExact(s) || !PyUnicode_IS_ASCII(s)) {
        PyErr_Format(PyExc_TypeError, "lines: %s is not an ASCII str", what);
        return NULL;
    }
    *len = PyUnicode_GET_LENGTH(s);
    return (const char *)PyUnicode_1BYTE_DATA(s);
}

PyObject *
lines(PyObject *self, PyObject *args)
{
    PyObject *records, *groups, *glued_obj, *capsule, *ids, *head;
    Py_ssize_t n_glues;
    if (!PyArg_ParseTuple(args, "O!O!OnOO!O!:lines", &PyTuple_Type, &records, &PyTuple_Type, &groups,
                          &glued_obj, &n_glues, &capsule, &PyList_Type, &ids, &PyTuple_Type, &head))
        return NULL;
    if (PyTuple_GET_SIZE(records) != N_RECORD || PyTuple_GET_SIZE(groups) != N_GROUPS ||
        PyTuple_GET_SIZE(head) != 4 || n_glues < 1) {
        PyErr_SetString(PyExc_TypeError,
                        "lines: records (6 arrays), groups (8 arrays), head (4 str) and n_glues >= 1");
        return NULL;
    }
    const Arena *arena = arena_of(capsule);
    if (!arena)
        return NULL;
    const char *h[4];
    Py_ssize_t h_len[4];
    for (int i = 0; i < 4; i++)
        if (!(h[i] = ascii(PyTuple_GET_ITEM(head, i), &h_len[i], "head")))
            return NULL;

    Ints a[N_ARRAYS];
    memset(a, 0, sizeof a);
    Py_ssize_t *count = NULL;
    Entry *entries = NULL;
    Parts parts = {0};
    PyObject *result = NULL, *text = NULL, *ends = NULL, *errors = NULL;
    Py_ssize_t length = 0;

    for (int i = 0; i < N_ARRAYS; i++) {
        PyObject *obj = i < N_RECORD ? PyTuple_GET_ITEM(records, i)
                        : i < N_RECORD + N_GROUPS ? PyTuple_GET_ITEM(groups, i - N_RECORD)
                                                  : glued_obj;
        if (get_ints(obj, &a[i], NAMES[i]) < 0)
            goto done;
    }
    const int64_t *key = a[KEY].v, *row = a[ROW].v, *group = a[GROUP].v, *first = a[FIRST].v,
                  *second = a[SECOND].v, *order = a[ORDER].v;
    const Ints *t_start = &a[N_RECORD + T_START], *t_len = &a[N_RECORD + T_LEN],
               *t_rank = &a[N_RECORD + T_RANK], *t_flat = &a[N_RECORD + T_FLAT],
               *t_lead = &a[N_RECORD + T_LEAD], *g_start = &a[N_RECORD + G_START],
               *g_len = &a[N_RECORD + G_LEN], *g_flat = &a[N_RECORD + G_FLAT], *glued = &a[N_ARRAYS - 1];
    const Py_ssize_t n_rec = a[ROW].n, n_rows = PyList_GET_SIZE(ids);
    for (int i = 0; i < N_RECORD; i++)
        CHECK(a[i].n == n_rec, "record arrays' lengths");
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
        CHECK(start >= 0 && len >= 0 && len < ((int64_t)1 << 32) && start + len <= g_flat->n, "group's templates");
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
        for (int64_t w = 0, start = g_start->v[g]; w < g_len->v[g]; w++) {
            int64_t tid = g_flat->v[start + w];
            CHECK(tid >= 0 && tid < t_len->n, "template");
            int64_t rank = t_rank->v[tid];
            CHECK(rank >= 0 && rank < 4, "template's rank");
            /* severity, family and positions (key), then the order of groups at one position
             * and of templates in a group */
            uint64_t o = (((uint64_t)rank << 20 | (uint64_t)key[r]) << 7 | (uint64_t)(order[r] + 64)) << 32;
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

    /* the texts of each line: head, id, ok, the findings' pieces, tail; cursor[R] becomes the
     * end of row R's texts */
    errors = PyList_New(n_rows);
    if (!errors)
        goto done;
    for (Py_ssize_t R = 0; R < n_rows; R++) {
        int failed = 0;
        Py_ssize_t id_len;
        const char *id = ascii(PyList_GET_ITEM(ids, R), &id_len, "an id");
        if (!id)
            goto done;
        for (Py_ssize_t i = count[R]; i < count[R + 1]; i++)
            failed |= t_rank->v[entries[i].tid] == 0;
        if (push(&parts, h[0], h_len[0]) < 0 || push(&parts, id, id_len) < 0 ||
            push(&parts, h[1 + failed], h_len[1 + failed]) < 0)
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
                CHECK(p >= 0 && (size_t)p < arena->n, "piece");
                if (push(&parts, NULL, p) < 0) /* its text once every piece is known (below) */
                    goto done;
            }
        }
        if (push(&parts, h[3], h_len[3]) < 0)
            goto done;
        cursor[R] = parts.size;
        PyList_SET_ITEM(errors, R, PyBool_FromLong(failed));
    }
    /* the pieces' texts, fetched ahead: each is a read at random in the arena */
    for (Py_ssize_t i = 0; i < parts.size; i++) {
        if (i + AHEAD < parts.size && !parts.at[i + AHEAD].at)
            PREFETCH(arena->off + parts.at[i + AHEAD].len);
        Part *part = parts.at + i;
        if (!part->at) {
            int64_t p = part->len;
            part->at = arena->data + arena->off[p];
            part->len = arena->off[p + 1] - arena->off[p];
        }
        length += part->len;
    }
    /* one copy of every text into the lines; each row's end in them */
    text = PyUnicode_New(length, 127);
    ends = PyList_New(n_rows);
    if (!text || !ends)
        goto done;
    Py_UCS1 *out = PyUnicode_1BYTE_DATA(text), *at = out;
    for (Py_ssize_t R = 0, i = 0; R < n_rows; R++) {
        for (; i < cursor[R]; i++) {
            if (i + AHEAD < parts.size)
                PREFETCH(parts.at[i + AHEAD].at);
            memcpy(at, parts.at[i].at, parts.at[i].len);
            at += parts.at[i].len;
        }
        PyObject *end = PyLong_FromSsize_t(at - out);
        if (!end)
            goto done;
        PyList_SET_ITEM(ends, R, end);
    }
    result = PyTuple_Pack(3, text, ends, errors);

done:
    release_ints(a, N_ARRAYS);
    PyMem_Free(count);
    PyMem_Free(entries);
    free(parts.at);
    Py_XDECREF(text);
    Py_XDECREF(ends);
    Py_XDECREF(errors);
    return result;
}
