"""Read the MCE diagnosis table: every code's validity periods and Medicare Code Editor flags.

One row per (code, period): ``icd10cm_code  effective_start  effective_end  mce_edit_flags``.
A code valid on a date has a row covering it, so the table gives the valid-code set for any
date from 2015-10-01 to the table's horizon. Flags name MCE edits (``adult``, ``maternity``,
``manifestation``, ``unacceptable`` …) in force during that period.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Period:
    key: str
    start: str
    end: str
    flags: str  # comma-separated MCE edit names


@dataclass(frozen=True, slots=True)
class AgeRange:
    category: str
    min_age: int
    max_age: int
    start: str
    end: str


def read_periods(lines: Iterable[str]) -> Iterator[Period]:
    for row in csv.DictReader(lines, delimiter="\t"):
        yield Period(row["icd10cm_code"], row["effective_start"], row["effective_end"],
                     row["mce_edit_flags"] or "")


def read_age_ranges(lines: Iterable[str]) -> Iterator[AgeRange]:
    for row in csv.DictReader(lines, delimiter="\t"):
        yield AgeRange(row["age_category"].lower(), int(row["min_age"]), int(row["max_age"]),
                       row["effective_start"], row["effective_end"])


def valid_on(periods: Iterable[Period], day: str) -> set[str]:
    """The set of code keys valid on ISO date *day*."""
    return {p.key for p in periods if p.start <= day <= p.end}
