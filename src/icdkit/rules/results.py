"""Checking rows as read (rows.py) and writing one result per row, in input order.

Results come CHUNK rows at a time from the evaluator (columnar.py, with either kernel set:
kernels.py), as JSON Lines or read back into CSV rows: every row, a row that cannot be read
answered with ``invalid-input`` (``check()`` of each row alone gives the same findings, byte
for byte: tests/test_batch_equivalence.py).
"""

from __future__ import annotations

import csv
import gc
import json
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from typing import IO, Any

from icdkit.rules.check import Checker
from icdkit.rules.findings import Finding
from icdkit.rules.rows import Row
from icdkit.rules.speedups import columnar_for

CSV_COLUMNS = ("id", "ok", "rule", "severity", "codes", "message", "source")
SETTLE_EVERY = 10_000  # rows between two gc.freeze() calls (see _settle)
CHUNK = 1024  # rows the columnar checker takes at once (columnar.py)


@dataclass(slots=True)
class Summary:
    rows_in: int = 0
    rows_out: int = 0
    invalid: int = 0  # rows that could not be read (invalid-input)
    with_errors: int = 0  # rows whose report is not ok

    def add(self, other: Summary) -> None:
        self.rows_in += other.rows_in
        self.rows_out += other.rows_out
        self.invalid += other.invalid
        self.with_errors += other.with_errors

    def since(self, earlier: Summary) -> Summary:
        """The counts added after *earlier* (a copy of this summary taken before)."""
        return Summary(self.rows_in - earlier.rows_in, self.rows_out - earlier.rows_out,
                       self.invalid - earlier.invalid, self.with_errors - earlier.with_errors)

    def to_dict(self) -> dict[str, int]:
        return {"rows_in": self.rows_in, "rows_out": self.rows_out, "invalid": self.invalid,
                "with_errors": self.with_errors}


def check_rows(checker: Checker, rows: Iterable[Row], out: IO[str], fmt: str, summary: Summary, *,
               tune_gc: bool = False) -> None:
    """Check *rows* (from :func:`read_rows`) and write their results to *out*, counting them in
    *summary*. Results come CHUNK rows at a time from the evaluator (columnar.py), as JSON
    Lines, or read back into CSV rows. With *tune_gc* (for a program's entry
    point only), automatic collection is paused and :func:`_settle` collects every SETTLE_EVERY
    rows instead."""
    writer = csv.writer(out) if fmt == "csv" else None
    write = out.write
    rows = iter(rows)
    columnar = columnar_for(checker)
    collect = tune_gc and gc.isenabled()
    if collect:
        gc.disable()  # _settle collects every SETTLE_EVERY rows instead
    try:
        while chunk := list(islice(rows, CHUNK)):
            before = summary.rows_in
            for done in columnar.lines(chunk):  # consecutive rows' results
                if writer:
                    _write_csv(writer, done.text)
                else:
                    write(done.text)
                summary.rows_in += done.rows
                summary.with_errors += done.errors
                summary.invalid += done.invalid
                summary.rows_out += done.rows
            if collect and summary.rows_in // SETTLE_EVERY > before // SETTLE_EVERY:
                _settle()
    finally:
        if collect:
            gc.enable()


def _write_csv(writer: Any, text: str) -> None:
    """Rows' JSON Lines results (ASCII: a newline ends each line only) as CSV rows, one per
    finding (a row without findings gets one with empty cells)."""
    for line in text.split("\n")[:-1]:
        got = json.loads(line)
        findings = [Finding.from_dict(f) for f in got["findings"]]
        for f in findings or (None,):
            writer.writerow(_encodable([got["id"], got["ok"], *(_csv_finding(f) if f else ("",) * 5)]))


def _settle() -> None:
    """Collect the garbage of the last rows, then freeze what survives: mostly the checker's
    memos, which grow with the distinct codes seen. The batch pauses automatic collection: a
    chunk's contexts outlive many young-generation collections, and each full collection would
    rescan the memos (measured: a quarter of a cold 30,000-row batch). Rows make no reference
    cycles that matter, so collecting here, every SETTLE_EVERY rows, keeps memory flat. Frozen
    objects are still freed by reference counting when a memo is cleared."""
    gc.collect()
    gc.freeze()


def _csv_finding(f: Finding) -> tuple[str, ...]:
    src = f.source
    where = f" at {src.at}" if src.at else ""
    return f.rule, f.severity, " ".join(f.codes), f.message, f"{src.kind}: {src.text}{where}"


def _encodable(cells: list[Any]) -> list[Any]:
    """CSV cells any encoder can write: a lone surrogate (from a JSON id such as "\\ud800") is
    shown as its escape, as the JSON Lines output shows it, instead of failing the write."""
    try:
        for c in cells:
            if type(c) is str:
                c.encode("utf-8")
        return cells
    except UnicodeEncodeError:
        return [c.encode("utf-8", "backslashreplace").decode("utf-8") if type(c) is str else c
                for c in cells]

