"""Read the MS-DRG CC/MCC tables (IPPS Table 6I, 6J, 6K).

6I and 6J list the MCC and CC codes (``code<TAB>description``, dotted); 6K Part 1 gives for
each CC/MCC the number of its PDX exclusion collection, and the ``PDX collection NNNN``
sections list the principal diagnoses that demote it to a non-CC.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

_PART1 = re.compile(r"^\s*([A-Z][0-9A-Z]{2,6})\s+(CC|MCC)\s+(\d{4}):")
_COLLECTION = re.compile(r"^PDX collection (\d{4})")
_MEMBER = re.compile(r"^\s+([A-Z][0-9A-Z]{2,6})\s")


def read_cc_list(lines: Iterable[str]) -> Iterator[str]:
    """Yield the code keys of a Table 6I/6J list."""
    for line in lines:
        code = line.split("\t", 1)[0].strip()
        if re.fullmatch(r"[A-Z][0-9A-Z]{2}(\.[0-9A-Z]{1,4})?", code):
            yield code.replace(".", "")


def read_exclusions(lines: Iterable[str]) -> tuple[dict[str, int], list[tuple[int, str]]]:
    """Return (CC/MCC key → PDX collection number, [(collection, pdx key), …])."""
    levels: dict[str, int] = {}
    members: list[tuple[int, str]] = []
    collection: int | None = None
    in_part1 = False
    for line in lines:
        if line.startswith("K Part"):
            in_part1 = line.startswith("K Part 1")
            collection = None
            continue
        m = _COLLECTION.match(line)  # the collections follow Part 1 directly
        if m:
            in_part1, collection = False, int(m[1])
            continue
        if in_part1:
            m = _PART1.match(line)
            if m:
                levels[m[1]] = int(m[3])
            continue
        if collection is not None:
            m = _MEMBER.match(line)
            if m:
                members.append((collection, m[1]))
    return levels, members
