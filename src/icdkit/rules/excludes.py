"""Excludes1 and Excludes2 between the codes of one encounter.

A note at a code, or at any of its ancestors up to the block and chapter, governs the code;
its references (single codes, wildcards, ranges, lists) cover whole code sets. Each pair is
checked in both directions: M54.2 with M50.20 (note at M54.2) and F45.41 with any M54 code
(note at M54).

Excludes1 has an official exception: when the two conditions are unrelated to each other,
both may be reported. So we report the conflict and say so, never pass it silently.
"""

from __future__ import annotations

from icdkit.models import Note
from icdkit.rules.catalogue import severity
from icdkit.rules.finding_templates import FIRST, SECOND, Template
from icdkit.rules.findings import Finding, Source
from icdkit.rules.governing_notes import Cell, Governing, one_per_note
from icdkit.rules.rule_cache import RuleCache

EXCEPTION = ("Exception: when the two conditions are unrelated to each other, both may be reported "
             "(ICD-10-CM Excludes1 convention).")


def exact_templates(cache: RuleCache, gov: Governing, cell: Cell, owner: bool) -> tuple[Template, ...]:
    """The findings of an exact cell of *gov*'s screen (every code in it is named by the same
    notes), for the code the notes stand on (*owner*) or a descendant: made once per cell."""
    got = cell.rendered[owner]
    if got is None:
        got = cell.rendered[owner] = _templates(cache, gov, owner, cell.found)
    return got


def inexact_templates(cache: RuleCache, gov: Governing, cell: Cell, owner: bool, key: str
                      ) -> tuple[Template, ...]:
    """The findings of a cell of *gov*'s screen whose references carry qualifiers, for the code
    the notes stand on (*owner*) or a descendant and the code *key* they may name."""
    refs = gov.excludes.refs.refs
    found = one_per_note([i for i in cell.excludes if refs[i].matches(key)], gov.excludes.notes)
    return _templates(cache, gov, owner, found)


def _templates(cache: RuleCache, gov: Governing, owner: bool, found: tuple[int, ...]) -> tuple[Template, ...]:
    """The findings of the references *found* for a code *gov* governs (its owner, or a
    descendant inheriting every note) and a code they name, as FIRST and SECOND."""
    excl = gov.excludes
    got: list[Template] = []
    for i in found:
        note = excl.notes[i]
        own = owner and note.source == gov.owner  # else the note is inherited: name the code it governs
        got.extend(cache.templated(("excl", id(note), own), _finding, FIRST, SECOND, note, excl.sources[i],
                                   own))
    return tuple(got)


def _finding(a: str, b: str, note: Note, src: Source, own: bool) -> list[Finding]:
    at = note.source if own else f"{note.source} (governs {a})"
    if note.kind == "excludes1":
        return [Finding("excludes1", severity("excludes1"), (a, b),
                        f"{a} and {b} may not be reported together: Excludes1 at "
                        f"{at}: “{note.text}”. {EXCEPTION}", src)]
    return [Finding("excludes2", severity("excludes2"), (a, b),
                    f"{a} and {b} may both be reported: Excludes2 at {at}: "
                    f"“{note.text}” (not included here, not a conflict)", src)]
