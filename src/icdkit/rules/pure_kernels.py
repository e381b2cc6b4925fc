"""The evaluator's kernels in Python and numpy: what the C accelerator (rules/native, the
signatures in _native.pyi) does, result for result, for an install without a compiler or
with ``ICDKIT_PUREPYTHON=1`` (kernels.py chooses). Vectorised where the C loops over every
pair or piece; per row only where Python's own C does the work (json, dict lookups, joins).

>>> import numpy as np
>>> one = np.array([0], dtype=np.int64)
>>> a = arena(); arena_sync(a, ["", ", ", '{"rule": "x"}'], 0)
>>> text, ends, errors = lines((one, one, one, one, one, one), (np.array([0, 0]), np.array([1, 1]),
...     np.array([3]), np.array([2]), np.array([2])) + (one, np.array([1]), one), one, 1,
...     a, ['"a"'], ('{"id": ', ', "ok": true, "findings": [',
...     ', "ok": false, "findings": [', "]}\\n"))
>>> text, ends, errors
('{"id": "a", "ok": true, "findings": [{"rule": "x"}]}\\n', [53], [False])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from icdkit.rules.rows import readable

Ints = npt.NDArray[np.int64]
Patient = Callable[[tuple[Any, ...]], tuple[Any, ...] | None]
Slow = Callable[[int, tuple[int, Any]], tuple[tuple[Any, ...], list[int]] | None]


class _Arena:
    """The piece texts as pieces.Pieces holds them (a list of str, shared, not copied)."""

    __slots__ = ("texts",)

    def __init__(self) -> None:
        self.texts: list[str] = []


def arena() -> object:
    """A new, empty arena."""
    return _Arena()


def arena_sync(arena: object, texts: list[str], synced: int) -> None:
    """Make *arena* hold *texts* (the list itself: it is always in step)."""
    assert isinstance(arena, _Arena)
    arena.texts = texts


def index() -> object:
    """No index: the numbers' dict is looked up directly."""
    return None


def read(rows: list[tuple[int, Any]], numbers: dict[str, int], index: object,
         patients: dict[tuple[Any, ...], tuple[Any, ...]], patient: Patient, max_codes: int, slow: Slow
         ) -> tuple[list[Any], bytes]:
    """A chunk's rows as ``_native.read`` gives them: a row read by json (a raw line) or given
    as a dict, whose id is a non-empty str and whose codes are 1 to *max_codes* strs each with
    a number >= 0 in *numbers*, kept here; any other goes to ``slow(k, row)``."""
    kept: list[Any] = []
    occ: list[int] = []
    get = numbers.get
    for k, item in enumerate(rows):
        row = item[1]
        if type(row) is bytes:
            row = readable(row)
        if type(row) is dict:
            codes, rid = row.get("codes"), row.get("id")
            if type(codes) is list and 0 < len(codes) <= max_codes and type(rid) is str and rid:
                given = (row.get("age"), row.get("sex"), row.get("date"), row.get("setting"))
                try:
                    seen = patients.get(given)
                except TypeError:  # a list in the row: patient() says None
                    seen = None
                if seen is None:
                    seen = patient(given)
                if seen is not None:
                    got = [get(c, -1) if type(c) is str else -1 for c in codes]
                    if min(got) >= 0:
                        kept.append((k, rid, *seen, len(got)))
                        occ.extend(got)
                        continue
        answer = slow(k, item)
        if answer is not None:
            kept.append(answer[0])
            occ.extend(answer[1])
    return kept, np.array(occ, dtype=np.int64).tobytes()


def pairs(gid: Ints, rank: Ints, lens: Ints, cuts: Ints, start: Ints, base: Ints, live: npt.NDArray[np.bool_],
          span: int) -> bytes:
    """For every ordered pair (a, b) of two codes of one row, in order, the cell of a's screen
    that b falls in; int64 bytes of (a, b, cell) for each live one. Every screen's cuts lie in
    one sorted array (``g * span + rank``), so one search over it finds each pair's cut."""
    n = len(gid)
    if not n:
        return b""
    row_start = np.repeat(np.cumsum(lens) - lens, lens)
    width = np.repeat(lens, lens)  # each code's row's length: its pairs as first code, itself included
    a = np.repeat(np.arange(n, dtype=np.int64), width)
    b = np.repeat(row_start, width) + (np.arange(len(a)) - np.repeat(np.cumsum(width) - width, width))
    other = a != b
    a, b = a[other], b[other]
    g = gid[a]
    found = np.searchsorted(cuts, g * span + rank[b], side="right")
    cell = base[g] + (found - start[g])
    on = live[cell]
    return np.stack((a[on], b[on], cell[on]), axis=1).astype(np.int64).tobytes()


def lines(records: tuple[Ints, ...], groups: tuple[Ints, ...], glued: Ints, n_glues: int,
          arena: object, ids: list[str], head: tuple[str, str, str, str]
          ) -> tuple[str, list[int], list[bool]]:
    """A chunk's JSON Lines results from its finding records (see _native.pyi): each record's
    group's templates put in its row's order (severity, family and positions, the order of
    groups, of templates in a group: a stable sort), their pieces' numbers taken with the
    holes filled, the texts joined per row."""
    assert isinstance(arena, _Arena)
    key, row, group, first, second, order = records
    t_start, t_len, t_rank, t_flat, t_lead, g_start, g_len, g_flat = groups
    n_rows = len(ids)
    # every template of every record, in the rows' order
    glen = g_len[group]
    rec = np.repeat(np.arange(len(row)), glen)
    w = np.arange(len(rec)) - np.repeat(np.cumsum(glen) - glen, glen)
    tid = g_flat[g_start[group][rec] + w]
    rank = t_rank[tid]
    ordered = (((rank << 20 | key[rec]) << 7 | (order[rec] + 64)) << 32) | w
    erow = row[rec]
    by = np.lexsort((ordered, erow))
    tid, rec, erow, rank = tid[by], rec[by], erow[by], rank[by]
    errors = np.zeros(n_rows, dtype=bool)
    errors[erow[rank == 0]] = True
    # every piece of every template; a row's first template led by its lead piece
    plen = t_len[tid]
    pstart = np.cumsum(plen) - plen
    entry = np.repeat(np.arange(len(tid)), plen)
    piece = t_flat[t_start[tid][entry] + (np.arange(len(entry)) - pstart[entry])]
    lead = np.ones(len(tid), dtype=bool)
    lead[1:] = erow[1:] != erow[:-1]
    at = np.flatnonzero(lead)
    piece[pstart[at]] = t_lead[tid[at]]
    holes = np.flatnonzero(piece < 0)
    if len(holes):
        code = -1 - piece[holes]
        r = rec[entry[holes]]
        cp = np.where(code & 1, second[r], first[r])
        piece[holes] = glued[cp * n_glues + (code >> 1)]
    texts = arena.texts
    parts = [texts[p] for p in piece.tolist()]
    bounds = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(erow[entry], minlength=n_rows), out=bounds[1:])
    h0, ok, failed, tail = head
    out: list[str] = []
    ends: list[int] = []
    size = 0
    join = "".join
    for lo, hi, error, rid in zip(bounds[:-1].tolist(), bounds[1:].tolist(), errors.tolist(), ids,
                                  strict=True):
        one = f"{h0}{rid}{failed if error else ok}{join(parts[lo:hi])}{tail}"
        out.append(one)
        size += len(one)
        ends.append(size)
    return join(out), ends, errors.tolist()
