"""Batch checking: stream encounters from CSV or JSON Lines, one result per input row.

Input rows carry ``id``, ``codes`` (a list, or text separated by spaces, commas, ``;`` or
``|``) and optional ``age``, ``sex``, ``date``, ``setting``. A row that cannot be read
gets an ``invalid-input`` finding instead of being dropped, so rows in == rows out.
The file is read line by line and results are written as they come: memory stays flat.

>>> import io
>>> rows = io.BytesIO(b'{"id": "a", "codes": ["M54.2", "M50.20"]}\\nnot json\\n')
>>> out = io.StringIO()
>>> from icdkit import KnowledgeBase
>>> s = run_batch(Checker(KnowledgeBase.open()), rows, out, "jsonl")
>>> (s.rows_in, s.rows_out, s.invalid)
(2, 2, 1)
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import IO

from icdkit.errors import InvalidInput
from icdkit.rules.check import Checker
from icdkit.rules.parallel import check_in_parallel
from icdkit.rules.results import CSV_COLUMNS, Summary, check_rows
from icdkit.rules.rows import read_rows
from icdkit.rules.speedups import ensure_tables

FORMATS = ("jsonl", "csv")
MAX_JOBS = 64  # worker processes of one batch


def run_batch(checker: Checker, stream: IO[bytes], out: IO[str], fmt: str = "jsonl",
              progress: Callable[[int], None] | None = None, jobs: int = 1, *, tune_gc: bool = False
              ) -> Summary:
    """Check every row of *stream*, writing one result per row to *out*, in input order, as
    it goes. With *jobs* > 1, worker processes check blocks of rows (parallel.py); they are
    spawned, so a script calling this must guard its top level with ``if __name__ == "__main__":``.
    The garbage collector is left alone unless the program's entry point passes *tune_gc*
    (see :func:`check_rows`)."""
    if not 1 <= jobs <= MAX_JOBS:
        raise InvalidInput(f"jobs must be between 1 and {MAX_JOBS}, not {jobs}")
    summary = Summary()
    if fmt == "csv":
        csv.writer(out).writerow(CSV_COLUMNS)
    rows = read_rows(stream, progress, raw=fmt == "jsonl")  # lines as read: the columnar checker reads them
    if jobs != 1:
        if fmt == "jsonl":
            ensure_tables(checker)  # the store completed once here if need be, not by every worker

        check_in_parallel(checker.kb, rows, out, fmt, jobs, summary)
    else:
        check_rows(checker, rows, out, fmt, summary, tune_gc=tune_gc)
    return summary
