"""The columnar checker's native kernels (native/*.c, built at install by setup.py)."""

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]
Patient = Callable[[tuple[Any, ...]], tuple[Any, ...] | None]
Slow = Callable[[int, tuple[int, Any]], tuple[tuple[Any, ...], list[int]] | None]

def lines(records: tuple[Ints, ...], groups: tuple[Ints, ...], glued: Ints, n_glues: int,
          arena: object, ids: list[str], head: tuple[str, str, str, str]
          ) -> tuple[str, list[int], list[bool]]:
    """A chunk's JSON Lines results, from its finding records (key, row, group, first, second,
    order: see columnar._Records), the groups' templates (pieces.Groups: t_start, t_len,
    t_rank, t_flat, t_lead, g_start, g_len, g_flat), each code period's glued pieces at
    ``cp * n_glues + glue`` and the pieces' *arena*. Each row's line (one per id) is head[0],
    its id (JSON), head[1] when it has no error else head[2], its findings, head[3]. Returns the
    lines as one text, each row's end in it, and whether it has an error."""

def read(rows: list[tuple[int, Any]], numbers: dict[str, int], index: object,
         patients: dict[tuple[Any, ...], tuple[Any, ...]], patient: Patient, max_codes: int, slow: Slow
         ) -> tuple[list[Any], bytes]:
    """A chunk's *rows* (row number, fields) as the columnar checker takes them: the kept rows'
    tuples (k, id, then the 5 items *patients* holds for the row's age, sex, date and setting,
    then its number of codes) and their codes' numbers in *numbers* (through *index*, its
    mirror, rebuilt when its size changes), in turn (int64 bytes). A row of a dict whose codes
    are a list of 1 to *max_codes* strings, each with a number >= 0, and whose id is a
    non-empty str is read here, its patient from *patients* or else ``patient(given)`` (which
    keeps it there, or answers None: the row goes on as below); any other goes to
    ``slow(k, row)``, which answers None (not kept) or its tuple and numbers."""

def arena() -> object:
    """A new, empty arena: piece texts in one buffer."""

def arena_sync(arena: object, texts: list[str], synced: int) -> None:
    """Make *arena*, which held ``texts[:synced]``, hold *texts* (ASCII str)."""

def index() -> object:
    """A new index of code spellings, built from a dict of numbers by :func:`read`."""

def pairs(gid: Ints, rank: Ints, lens: Ints, cuts: Ints, start: Ints, base: Ints, live: npt.NDArray[np.bool_],
          span: int) -> bytes:
    """The pair screen of codes given by their screen's number and their key's rank, in rows of
    *lens* codes: for every ordered pair (a, b) of two codes of one row, in order, the cell of
    a's screen that b falls in (bisecting the screen's own cuts, ``cuts[start[g]:start[g + 1]]``,
    holding ``g * span + rank``); int64 bytes of (a, b, cell) for each cell that is *live*."""
