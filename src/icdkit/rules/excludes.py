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
from icdkit.rules.cache import RuleCache
from icdkit.rules.context import Context, Item
from icdkit.rules.emit import Sink, Template
from icdkit.rules.findings import Finding, Source
from icdkit.rules.govern import one_per_note

EXCEPTION = ("Exception: when the two conditions are unrelated to each other, both may be reported "
             "(ICD-10-CM Excludes1 convention).")


def check_excludes(ctx: Context, cache: RuleCache, out: Sink) -> None:
    near = cache.near(ctx)
    if not near:
        return
    for a in ctx.valid:
        others = near.get(a.position)
        if not others:
            continue
        gov = a.governing
        owner = a.shown == gov.owner  # else every note is inherited
        for b, cell in others:
            if not cell.excludes or b.key == a.key:
                continue
            if cell.exact:
                rendered = cell.rendered[owner]
                if rendered is None:
                    rendered = cell.rendered[owner] = _templates(cache, a, b, cell.found)
            else:
                k, refs = b.key or "", gov.excludes.refs.refs
                found = one_per_note([i for i in cell.excludes if refs[i].matches(k)], gov.excludes.notes)
                rendered = _templates(cache, a, b, found)
            out.put(rendered, a.shown, b.shown)


def _templates(cache: RuleCache, a: Item, b: Item, found: tuple[int, ...]) -> tuple[Template, ...]:
    """The findings of the references *found* for *a* (the code the notes govern) and *b*."""
    excl = a.governing.excludes
    got: list[Template] = []
    for i in found:
        note = excl.notes[i]
        own = note.source == a.shown  # else the note is inherited: name the code it governs
        got.extend(cache.templated(("excl", id(note), own), _finding, a, b, note, excl.sources[i], own))
    return tuple(got)


def _finding(a: Item, b: Item, note: Note, src: Source, own: bool) -> list[Finding]:
    at = note.source if own else f"{note.source} (governs {a.shown})"
    if note.kind == "excludes1":
        return [Finding("excludes1", "error", (a.shown, b.shown),
                        f"{a.shown} and {b.shown} may not be reported together: Excludes1 at "
                        f"{at}: “{note.text}”. {EXCEPTION}", src)]
    return [Finding("excludes2", "info", (a.shown, b.shown),
                    f"{a.shown} and {b.shown} may both be reported: Excludes2 at {at}: "
                    f"“{note.text}” (not included here, not a conflict)", src)]
