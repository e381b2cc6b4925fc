"""The columnar checker's native kernels (_native.c, built at install)."""

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]

def lines(records: tuple[Ints, ...], groups: tuple[Ints, ...], glued: Ints,
          n_glues: int, bad: npt.NDArray[np.bool_], texts: list[str], ids: list[str],
          head: tuple[str, str, str, str]) -> tuple[str, list[int], list[bool]]:
    """A chunk's JSON Lines results, from its finding records (key, row, group, first, second,
    order: see columnar._Records), the groups' templates and pieces (pieces.Groups: t_start,
    t_len, t_rank, t_flat, t_lead, g_start, g_len, g_flat), each code period's glued pieces at
    ``cp * n_glues + glue`` and the piece texts. Each kept row's line is head[0], its id (JSON),
    head[1] when it has no error else head[2], its findings, head[3]; a *bad* row has none.
    Returns the lines as one text, each row's end in it, and whether it has an error."""
