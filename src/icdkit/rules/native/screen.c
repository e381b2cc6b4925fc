/* pairs(): the pair screen of a chunk (screen.Screen.live). For every ordered pair (a, b) of two
 * codes of one row, the cell of a's screen that b's rank falls in: a bisection of the screen's
 * own cuts (a few dozen, in one or two cache lines) where numpy bisected every pair in the
 * cuts of all screens at once (millions; a miss at nearly every step). Only pairs landing in a
 * live cell are returned: nearly none. */
#include "native.h"

#include <stdlib.h>

/* the live pairs found, in turn */
typedef struct {
    int64_t *at;
    Py_ssize_t n;
    size_t cap; /* bytes */
} Found;

static int
add(Found *f, int64_t a, int64_t b, int64_t cell)
{
    if (reserve(&f->at, &f->cap, f->n * sizeof(int64_t), (f->n + 3) * sizeof(int64_t)) < 0)
        return -1;
    f->at[f->n++] = a;
    f->at[f->n++] = b;
    f->at[f->n++] = cell;
    return 0;
}

enum { GID, RANK, LENS, CUTS, START, BASE, N_SCREEN };
static const char *NAMES[N_SCREEN] = {"gid", "rank", "lens", "cuts", "start", "base"};

/* pairs(gid, rank, lens, cuts, start, base, live, span) -> int64 bytes of (a, b, cell) triples */
PyObject *
pairs(PyObject *self, PyObject *args)
{
    PyObject *obj[N_SCREEN], *live_obj;
    int64_t span;
    if (!PyArg_ParseTuple(args, "OOOOOOOL:pairs", &obj[GID], &obj[RANK], &obj[LENS], &obj[CUTS], &obj[START],
                          &obj[BASE], &live_obj, &span))
        return NULL;
    Ints x[N_SCREEN];
    memset(x, 0, sizeof x);
    Py_buffer live = {0};
    Found found = {0};
    PyObject *result = NULL;
    for (int i = 0; i < N_SCREEN; i++)
        if (get_ints(obj[i], &x[i], NAMES[i]) < 0)
            goto done;
    if (get_flags(live_obj, &live, "live") < 0)
        goto done;
    const int64_t *gid = x[GID].v, *rank = x[RANK].v, *cuts = x[CUTS].v, *start = x[START].v, *base = x[BASE].v;
    const Py_ssize_t n = x[GID].n, screens = x[START].n, n_cuts = x[CUTS].n;
    const char *is_live = live.buf;
    CHECK(x[RANK].n == n && x[BASE].n == screens, "gid, rank, start and base lengths");
    Py_ssize_t first = 0;
    for (Py_ssize_t r = 0; r < x[LENS].n; r++) {
        Py_ssize_t end = first + x[LENS].v[r];
        CHECK(x[LENS].v[r] >= 0 && end <= n, "lens");
        for (Py_ssize_t a = first; a < end; a++) {
            int64_t g = gid[a];
            CHECK(g >= 0 && g < screens, "gid");
            Py_ssize_t lo0 = start[g], hi0 = g + 1 < screens ? start[g + 1] : n_cuts;
            CHECK(lo0 >= 0 && lo0 <= hi0 && hi0 <= n_cuts, "screen's cuts");
            for (Py_ssize_t b = first; b < end; b++) {
                if (b == a)
                    continue;
                int64_t v = g * span + rank[b];
                Py_ssize_t lo = lo0, hi = hi0; /* the first cut > v: numpy's side="right" */
                while (lo < hi) {
                    Py_ssize_t mid = lo + (hi - lo) / 2;
                    if (cuts[mid] <= v)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                int64_t cell = base[g] + (lo - lo0);
                CHECK(cell >= 0 && cell < live.len, "cell");
                if (is_live[cell] && add(&found, a, b, cell) < 0)
                    goto done;
            }
        }
        first = end;
    }
    result = PyBytes_FromStringAndSize((const char *)found.at, found.n * sizeof(int64_t));

done:
    release_ints(x, N_SCREEN);
    if (live.obj)
        PyBuffer_Release(&live);
    free(found.at);
    return result;
}
