"""Resolve the Index's cross-references (``see``, ``see also``) to the terms they name.

A reference is a path of comma-separated parts, e.g. ``Infarct, myocardium`` or
``Hypertension, complicating pregnancy, pre-existing, with, pre-eclampsia``. Part one names a
main term (``Infarct`` names ``Infarct, infarction``); each next part names a subterm below
(``myocardium`` names ``myocardium, myocardial``). A part may itself hold commas, so at each
level the longest run of parts that names a term wins.

References into the Neoplasm Table (``Neoplasm, skin, benign``) end in a behavior that picks
the table column. Generic references (``condition``, ``by site``, ``Table of Drugs and
Chemicals, by drug``) tell the coder to look further; they resolve only as far as they name
a term, and are marked incomplete.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from icdkit.build.index import Term
from icdkit.vocabulary import TABLE_COLUMNS
from icdkit.vocabulary import fold_title as fold

_BEHAVIORS = {
    "malignant": 0, "malignant, primary": 0, "primary": 0, "secondary": 1, "malignant, secondary": 1,
    "in situ": 2, "ca in situ": 2, "benign": 3, "uncertain behavior": 4, "uncertain": 4,
    "unspecified behavior": 5, "unspecified": 5,
}
_GENERIC = re.compile(r"^(by |condition$|specified$)", re.I)


@dataclass(frozen=True, slots=True)
class Target:
    """Where a reference leads: a term (position in its book), a table column, completeness."""

    book: str
    term: int
    column: int | None  # 0-5 for table references (see TABLE_COLUMNS), else None
    complete: bool


def keys(title: str, nemod: str = "") -> set[str]:
    """The names a term answers to: its title, the part before a comma, without NEC/NOS.

    >>> sorted(keys("Infarct, infarction"))
    ['infarct', 'infarct, infarction']
    >>> sorted(keys("neck NEC"))
    ['neck', 'neck nec']
    """
    low = fold(title)
    out = {low, low.split(",")[0].strip()}
    out |= {re.sub(r"\s+(nec|nos)$", "", k) for k in out}
    out |= {k.replace("(s)", "") for k in out} | {k.replace("(s)", "s") for k in out}
    out |= {k.split(" or ")[0] for k in out}
    if nemod.startswith(("(s)", "(es)")):
        out |= {k + nemod[1:nemod.index(")")] for k in out}
    return {k for k in out if k}


class Resolver:
    """Resolve reference text against the books (built once per build)."""

    def __init__(self, books: dict[str, list[Term]]) -> None:
        self.books = books
        self._mains: dict[str, dict[str, int]] = {}
        self._kids: dict[str, dict[int | None, dict[str, int]]] = {}
        for book, terms in books.items():
            kids: dict[int | None, dict[str, int]] = {}
            for i, t in enumerate(terms):
                slot = kids.setdefault(t.parent, {})
                for k in keys(t.title, t.nemod):
                    slot.setdefault(k, i)
            self._kids[book] = kids
            self._mains[book] = kids.get(None, {})

    def resolve(self, text: str, book: str = "index") -> Target | None:
        """The term *text* names, or None when not even its main term is found."""
        parts = [p.strip() for p in text.split(",") if p.strip()]
        if not parts:
            return None
        if parts[0].lower() == "neoplasm" and "neoplasm" in self.books and book != "neoplasm":
            return self._neoplasm(parts[1:])
        return self._walk(book, None, parts, None)

    def _walk(self, book: str, start: int | None, parts: list[str], column: int | None) -> Target | None:
        kids = self._kids.get(book, {})
        at, i = start, 0
        while i < len(parts):
            slot = kids.get(at, {})
            for j in range(len(parts), i, -1):  # longest run of parts naming a child
                name = fold(", ".join(parts[i:j]))
                if name in slot:
                    at, i = slot[name], j
                    break
            else:
                break
        if at is None:
            return None
        rest = parts[i:]
        complete = not rest or (len(rest) == 1 and rest[0].lower() in ("nec", "nos"))
        if rest and _GENERIC.match(rest[0]):
            complete = False
        return Target(book, at, column, complete)

    def _neoplasm(self, parts: list[str]) -> Target | None:
        """``Neoplasm, <site...>, <behavior>``: the behavior (last) picks the column."""
        column = None
        for n in (2, 1):
            if len(parts) >= n and ", ".join(parts[-n:]).lower() in _BEHAVIORS:
                column = _BEHAVIORS[", ".join(parts[-n:]).lower()]
                parts = parts[:-n]
                break
        if not parts:  # 'Neoplasm, malignant' with no site: the table's own first row
            roots = [i for i, t in enumerate(self.books["neoplasm"]) if t.parent is None]
            return Target("neoplasm", roots[0], column, False) if roots else None
        roots = [i for i, t in enumerate(self.books["neoplasm"]) if t.parent is None]
        target = self._walk("neoplasm", roots[0] if roots else None, parts, column)
        if target and column is None:
            return Target(target.book, target.term, None, False)
        return target


def column_name(book: str, column: int | None) -> str:
    return TABLE_COLUMNS[book][column] if column is not None and book in TABLE_COLUMNS else ""
