"""Reading a batch's rows from CSV or JSON Lines, whatever shape the file is in: no row is lost.

Every non-blank input line becomes one row — its fields, or the problem that stops it from
being read (then the batch answers it with an ``invalid-input`` finding) — so a batch's
rows in always equal its rows out. Lines end in ``\\n``, ``\\r\\n`` or a lone ``\\r`` (old Mac
exports), mixed within a file; a UTF-8 byte-order mark is dropped; bytes that are not UTF-8
(Latin-1 exports) are read with the replacement character; each CSV line is read on its own,
so an unterminated quote, a NUL or a field over the csv module's limit spoils that line only.
A row's number is its line's number in the file (blank lines counted), as an editor shows it.

The format is told by the first non-blank line: a JSON object → JSON Lines; a header that
names a ``codes`` column → CSV. Anything else is JSON Lines whose first line cannot be read,
unless the file goes on as CSV rows (no line starts with ``{``): then every row is answered
with the header's problem.

>>> import io
>>> data = b'\\xef\\xbb\\xbfid,codes\\r1,I10\\r2,"E11.9\\r\\r3,M54.2\\n'
>>> [(n, r) for n, r in read_rows(io.BytesIO(data))]  # doctest: +NORMALIZE_WHITESPACE
[(2, {'id': '1', 'codes': 'I10'}), (3, 'unreadable CSV line (unexpected end of data)'),
 (5, {'id': '3', 'codes': 'M54.2'})]
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator
from itertools import chain
from typing import IO, Any

#: what read_rows yields: (row number, fields or problem, or with raw=True the line as read)
Row = tuple[int, dict[str, Any] | str | bytes]

PROGRESS_EVERY = 1 << 16  # bytes read between two progress reports
BLOCK = 1 << 16  # bytes read at a time
MAX_LINE = 1 << 24  # a longer line is answered as too long, not held whole (16 MiB)
_BOM = b"\xef\xbb\xbf"
_BREAK = re.compile(rb"\r\n|\r|\n")
_CSV_HEADER = "id,codes,age,sex,date,setting"
#: what json.loads runs, without its checks around the value (typeshed does not declare it)
_scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def physical_lines(stream: IO[bytes], progress: Callable[[int], None] | None = None) -> Iterator[bytes]:
    """The lines of *stream* without their line ends (``\\n``, ``\\r\\n`` or ``\\r``), read a block
    at a time so memory stays flat; the first line's byte-order mark is dropped. A line longer
    than MAX_LINE is cut there (the rest of it is skipped) and yielded as its first MAX_LINE
    bytes followed by a NUL, which no reader accepts, so it is answered as unreadable."""
    pending = b""
    first = True
    skipping = False
    while True:
        block = stream.read(BLOCK)
        if progress is not None and block:
            progress(len(block))
        if not block:
            break
        pending += block
        if first:
            if len(pending) < len(_BOM):
                continue  # too little yet to tell a byte-order mark
            pending, first = pending.removeprefix(_BOM), False
        start = 0
        for m in _BREAK.finditer(pending):
            if m.end() == len(pending) and m.group() == b"\r":
                break  # a \r at the block's end may be the start of \r\n
            if not skipping:
                yield _cut(pending[start:m.start()])
            skipping = False
            start = m.end()
        pending = pending[start:]
        if len(pending) > MAX_LINE:
            if not skipping:
                yield _cut(pending)
            skipping, pending = True, b""
    if first:
        pending = pending.removeprefix(_BOM)
    if pending.endswith(b"\r"):
        pending = pending[:-1]
    if pending and not skipping:
        yield _cut(pending)


def _cut(line: bytes) -> bytes:
    """A line cut at MAX_LINE and marked with a NUL (which no reader accepts) when longer."""
    return line if len(line) <= MAX_LINE else line[:MAX_LINE] + b"\0"


def text(raw: bytes) -> str:
    """A line's text: UTF-8, with the replacement character for bytes that are not."""
    return raw.decode("utf-8", errors="replace")


def blank(raw: bytes) -> bool:
    """Whether a line is blank as ``row_of`` finds it (str.strip strips more than bytes.strip)."""
    return raw[:1] != b"{" and not text(raw).strip()


def row_of(line: str) -> dict[str, Any] | str | None:
    """A JSON Lines row's fields, or the problem with it; None for a blank line."""
    try:  # a line as JSON Lines writers write it: a value from its first character
        row, end = _scan(line, 0)
        if line[end:].strip():
            raise ValueError("more after the value")
    except (StopIteration, ValueError, RecursionError):  # json.loads says why, or skips a blank line
        if not line.strip():
            return None
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            return f"not valid JSON ({exc.msg} at column {exc.colno})"
        except RecursionError:
            return "not valid JSON (nested too deeply)"
    return row if type(row) is dict else "expected a JSON object"


def readable(row: dict[str, Any] | str | bytes) -> dict[str, Any] | str:
    """A row as the rules read it: a raw line (``read_rows(raw=True)``, never blank) read."""
    if not isinstance(row, bytes):
        return row
    if b"\0" in row:
        return _too_long(row) or "not valid JSON (a NUL byte in the line)"
    got = row_of(text(row))
    assert got is not None
    return got


def _too_long(raw: bytes) -> str | None:
    return f"line longer than {MAX_LINE:,} bytes" if len(raw) > MAX_LINE else None


def _csv_line(line: str, width: int) -> list[str] | str:
    """One CSV line's fields, or why they cannot be read."""
    try:
        got = list(csv.reader([line], strict=True))
    except csv.Error as exc:
        return f"unreadable CSV line ({exc})"
    if len(got) != 1:
        return "unreadable CSV line"
    values = got[0]
    if len(values) > width:
        return f"{len(values)} fields but the header has {width}"
    return values


def read_rows(stream: IO[bytes], progress: Callable[[int], None] | None = None, raw: bool = False
              ) -> Iterator[Row]:
    """Yield (row number, fields) or (row number, problem) for each non-blank input line. With
    *raw*, the lines of JSON Lines input are yielded as they were read (bytes), for the
    columnar checker to read (``readable`` reads those its kernel does not)."""
    numbered: Iterator[tuple[int, bytes]] = (
        (n, line) for n, line in enumerate(physical_lines(stream, progress), 1) if not blank(line))
    first = next(numbered, None)
    if first is None:
        return
    line1 = first[1]
    if not line1.lstrip().startswith(b"{") and b"\0" not in line1:
        header = _csv_line(text(line1), 1 << 30)
        names = [h.strip().lower() for h in header] if isinstance(header, list) else []
        if "codes" in names:
            yield from _csv_rows(numbered, names)
            return
        second = next(numbered, None)
        rest = chain([second], numbered) if second is not None else numbered
        if second is not None and not second[1].lstrip().startswith(b"{"):
            problem = f"header row has no 'codes' column (expected {_CSV_HEADER})"
            for n, _ in rest:
                yield n, problem
            return
        numbered = rest
    for n, line in chain([first], numbered):
        if raw and b"\0" not in line:
            yield n, line
        else:
            yield n, readable(line)


def _csv_rows(numbered: Iterator[tuple[int, bytes]], header: list[str]) -> Iterator[Row]:
    for n, line in numbered:
        problem = _too_long(line) if b"\0" in line else None
        values = problem or _csv_line(text(line), len(header))
        yield n, values if isinstance(values, str) else dict(zip(header, values, strict=False))
