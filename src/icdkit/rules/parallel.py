"""A batch on several cores: worker processes check blocks of rows; results keep input order.

The parent reads the rows (reading shows the progress; JSON Lines are handed out as read, for
the workers' columnar checkers to parse), hands them out in blocks of BLOCK rows and writes each
block's results as soon as it and every block before it are done.
At most WINDOW blocks per worker are in flight, so memory stays flat however long the file.

Each worker opens the same knowledge base file read-only, preloads it and keeps its own
Checker (its memos warm up independently). Workers are started with ``spawn``: a forked
SQLite connection must not be used in the child.
"""

from __future__ import annotations

import io
import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import IO

from icdkit.errors import IcdkitError
from icdkit.kb import KnowledgeBase
from icdkit.rules.check import Checker
from icdkit.rules.results import Summary, check_rows
from icdkit.rules.rows import Row

BLOCK = 500  # rows per task: ~4 MB of JSON results for the synthetic benchmark's rows
WINDOW = 2  # blocks in flight per worker: one being checked, one queued

_checker: Checker | None = None  # the worker's
_totals = Summary()  # the worker's rows so far (check_rows settles the garbage collector by it)


def check_in_parallel(kb: KnowledgeBase, rows: Iterable[Row], out: IO[str], fmt: str, jobs: int,
                      summary: Summary) -> None:
    """Check *rows* on *jobs* worker processes, writing results to *out* in input order."""
    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start, initargs=(kb.path, kb.cache_dir))
    pending: deque[Future[tuple[str, Summary]]] = deque()
    try:
        for block in _blocks(rows):
            pending.append(pool.submit(_check_block, block, fmt))
            while len(pending) >= WINDOW * jobs or (pending and pending[0].done()):
                _write(pending.popleft(), out, summary)
        while pending:
            _write(pending.popleft(), out, summary)
    except BrokenProcessPool:
        raise IcdkitError("a batch worker process stopped unexpectedly (out of memory?); "
                          f"{summary.rows_out} rows were written") from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _blocks(rows: Iterable[Row]) -> Iterator[list[Row]]:
    it = iter(rows)
    while block := list(islice(it, BLOCK)):
        yield block


def _write(done: Future[tuple[str, Summary]], out: IO[str], summary: Summary) -> None:
    text, counts = done.result()
    out.write(text)
    summary.add(counts)


def _start(path: Path, cache_dir: Path) -> None:
    """Worker initializer: open and preload the knowledge base, make the Checker."""
    global _checker
    kb = KnowledgeBase(path, cache_dir=cache_dir)
    kb.preload(freeze_gc=True)  # a worker process is the batch's own: its collector is ours to tune
    _checker = Checker(kb)


def _check_block(rows: list[Row], fmt: str) -> tuple[str, Summary]:
    """A block's results as text, and their counts."""
    assert _checker is not None, "worker not started"
    buf = io.StringIO()
    before = replace(_totals)
    check_rows(_checker, rows, buf, fmt, _totals, tune_gc=True)
    return buf.getvalue(), _totals.since(before)
