"""Sentences and list items of a section, with character offsets into the note.

A list item (``1.``, ``-``, ``*``, ``•`` at a line start, or a line of a list of short lines)
is a unit of its own; prose is cut at sentence ends (``.``, ``?``, ``!`` before a space and an
upper-case letter or a line end), never inside a number (``3.5``) or an abbreviation
(``Dr.``, ``e.g.``). Each unit is then cut into *clauses* at ``;`` and at commas or ``and``
joining separate diagnoses, which is where mentions are looked for.

>>> [u.text for u in units("Hypertension. 1. Type 2 diabetes\\n2. CKD stage 3a", 0)]
['Hypertension.', '1. Type 2 diabetes', '2. CKD stage 3a']
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    text: str


_ITEM = re.compile(r"^[ \t]*(?:\d{1,2}[.)]|[-*•#]|\(\d{1,2}\))[ \t]+", re.MULTILINE)
_END = re.compile(r"[.?!](?=\s+[A-Z(\d]|\s*$)|\n[ \t]*\n", re.MULTILINE)
_ABBREV = frozenset({"dr", "mr", "mrs", "ms", "vs", "st", "no", "approx", "e.g", "i.e", "pt", "hx"})
_LAST_WORD = re.compile(r"([A-Za-z.]+)$")
_NEWLINE_ITEM = re.compile(r"\n(?=[ \t]*(?:\d{1,2}[.)]|[-*•]|\(\d{1,2}\))[ \t]+)")


def units(text: str, offset: int, end: int | None = None) -> list[Span]:
    """Sentences and list items of ``text[offset:end]`` (offsets stay into *text*)."""
    end = len(text) if end is None else end
    out: list[Span] = []
    # lines that start list items split first; then sentence ends within each piece
    cuts = [offset] + [m.start() + 1 for m in _NEWLINE_ITEM.finditer(text, offset, end)] + [end]
    for a, b in itertools.pairwise(cuts):
        start = a
        for m in _END.finditer(text, a, b):
            w = _LAST_WORD.search(text, a, m.start())
            if m.group() == "." and w and (w.group(1).lower() in _ABBREV or len(w.group(1)) == 1):
                continue
            if m.group() == "." and text[start:m.start()].strip().isdigit():  # '1.' of a numbered list
                continue
            _add(out, text, start, m.end())
            start = m.end()
        _add(out, text, start, b)
    return out


def _add(out: list[Span], text: str, a: int, b: int) -> None:
    piece = text[a:b]
    lead = len(piece) - len(piece.lstrip())
    trail = len(piece.rstrip())
    if trail > lead:
        out.append(Span(a + lead, a + trail, piece[lead:trail]))


_CLAUSE = re.compile(r";|:(?=\s)|\n|\s[-–—]\s|,\s+(?:and\s+|or\s+)?|\s+and\s+(?!without\b|with\b)"
                     r"|\s+plus\s+|\s+as well as\s+")


def clauses(unit: Span) -> list[Span]:
    """Cut a unit at ``;``, line ends, commas and ``and`` (``HTN, CKD 3 and DM2`` → three).

    The cuts may split a phrase that belongs together (``Diabetes, type 2``); the mention
    finder joins neighbouring clauses again when the join matches better.
    """
    out: list[Span] = []
    t = unit.text.rstrip(".?!")
    start = item_prefix(t)
    for m in _CLAUSE.finditer(t):
        _add(out, t, start, m.start())
        start = m.end()
    _add(out, t, start, len(t))
    return [Span(unit.start + s.start, unit.start + s.end, s.text) for s in out]


def item_prefix(text: str) -> int:
    """Length of a list marker at the start of *text* (``2. `` → 3), else 0."""
    m = _ITEM.match(text)
    return m.end() if m else 0
