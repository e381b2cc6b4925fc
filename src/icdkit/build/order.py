"""Read a CMS order file (``icd10cm_order_YYYY.txt``): every code with its billable flag.

Fixed-width layout: columns 1-5 order number, 7-13 code (no dot), 15 billable flag
(0 = header, 1 = valid for submission), 17-76 short title, 78- long title.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OrderRow:
    key: str
    billable: bool
    short_title: str
    long_title: str


def read_order(lines: Iterable[str]) -> Iterator[OrderRow]:
    """Yield one :class:`OrderRow` per non-blank line; raise ValueError on a bad line."""
    for n, line in enumerate(lines, 1):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        flag = line[14:15]
        if len(line) < 17 or flag not in ("0", "1"):
            raise ValueError(f"order file line {n}: not in the CMS order layout")
        yield OrderRow(line[6:13].strip(), flag == "1", line[16:76].strip(), line[77:].strip())
