"""What governs a code in the pair rules: its effective Excludes notes and instructions, and a
screen telling, for any other code, which of their references may name it.

A note at a code, or at any of its ancestors up to the block and chapter, governs the code.
A node with no notes of its own shares its parent's :class:`Governing`, not a copy.

The screen cuts the code space at every reference's two ends. Between two cuts (a *cell*)
the same references hold every code, so what a cell means for the Excludes and sequencing
rules is worked out once, the first time a code falls in it; screening a pair of codes is then
one bisection.

>>> from icdkit.refs import parse_refs
>>> from icdkit.models import Note
>>> n = Note("excludes1", "cervical disc disorders (M50.-)", "M54.2", "code", parse_refs("(M50.-)"))
>>> g = Governing(Excludes((n,), RefSet(n.refs), (Source("note", n.text),)), (), "M54.2")
>>> g.cell("M5020").excludes, g.cell("M5403") is None
((0,), True)
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from icdkit.models import Note
from icdkit.refs import Ref, RefSet
from icdkit.rules.finding_templates import Template
from icdkit.rules.findings import Source


@dataclass(frozen=True, slots=True)
class Excludes:
    """A code's effective Excludes1/Excludes2 notes, one entry per reference."""

    notes: tuple[Note, ...]  # the note of each reference, by index
    refs: RefSet
    sources: tuple[Source, ...]  # the Source citing each reference's note, by index


@dataclass(frozen=True, slots=True)
class Instruction:
    """One instructional note as printed: the tabular splits a list ("Code first underlying
    disease, such as: …") into several <note> elements; they are one instruction."""

    kind: str
    source: str
    text: str
    refs: RefSet


def group(notes: tuple[Note, ...] | list[Note]) -> tuple[Instruction, ...]:
    """Join consecutive notes of one kind standing on one node into instructions."""
    runs: list[tuple[str, str, str, list[Ref]]] = []
    for n in notes:
        last = runs[-1] if runs else None
        if last is not None and (last[0], last[1]) == (n.kind, n.source):
            sep = " " if last[2].endswith(":") else "; "
            runs[-1] = (n.kind, n.source, f"{last[2]}{sep}{n.text}", [*last[3], *n.refs])
        else:
            runs.append((n.kind, n.source, n.text, list(n.refs)))
    return tuple(Instruction(kind, source, text, RefSet(refs)) for kind, source, text, refs in runs)


class Cell:
    """What the governing notes say of every code between two cuts of the screen."""

    __slots__ = ("exact", "excludes", "found", "named", "rendered")

    def __init__(self, excludes: tuple[int, ...], exact: bool, found: tuple[int, ...], named: bool) -> None:
        self.excludes = excludes  # Excludes references spanning the cell, by index, in order
        self.exact = exact  # none of them has a qualifier: each covers every code of the cell
        self.found = found  # when exact: those references, the first of each note only
        self.named = named  # an instruction's reference spans the cell
        #: when exact: the findings' templates, for the code the notes stand on / a descendant
        self.rendered: list[tuple[Template, ...] | None] = [None, None]


UNSET = Cell((), True, (), False)  #: a cell not yet worked out (never returned by cell())


class Governing:
    """A node's effective Excludes and instructions (its own, then its parent's), the node
    whose own notes they start with (``owner``), and the screen over their references."""

    __slots__ = ("_spans", "absent", "bounds", "cells", "excludes", "instructions", "owner")

    def __init__(self, excludes: Excludes, instructions: tuple[Instruction, ...], owner: str) -> None:
        self.excludes = excludes
        self.instructions = instructions
        self.owner = owner  # display code of the node holding the first notes ("" for none)
        #: templates of the instructions when none of their codes is on the claim, by
        #: (first-listed, manifestation); filled by the sequencing rule
        self.absent: dict[tuple[bool, bool], tuple[Template, ...]] = {}
        excl = excludes.refs.refs
        named = [r for i in instructions for r in i.refs.refs]
        ends = [(r.lo, f"{r.hi}\0") for r in (*excl, *named)]
        #: the cuts: every reference's lo and hi + NUL (keys never hold NUL), sorted
        self.bounds = sorted({e for pair in ends for e in pair})
        # reference i spans cells spans[i][0] .. spans[i][1] (a key's cell: bisect_right)
        self._spans = [(bisect_left(self.bounds, lo) + 1, bisect_left(self.bounds, hi)) for lo, hi in ends]
        inner = [UNSET] * (len(self.bounds) - 1)
        self.cells: list[Cell | None] = [None, *inner, None] if ends else [None]

    def instructions_in(self, j: int) -> int:
        """Which instructions name every code of cell *j* (bit k: instruction k), or -1 when one
        of the references spanning it has a qualifier (it may name some of its codes only)."""
        n_excl = len(self.excludes.refs.refs)
        mask = 0
        for k, ins in enumerate(self.instructions):
            for ref in ins.refs.refs:
                start, end = self._spans[n_excl]
                n_excl += 1
                if start <= j <= end:
                    if ref.positions or ref.suffixes or k >= 62:
                        return -1
                    mask |= 1 << k
        return mask

    def cell(self, key: str) -> Cell | None:
        """The cell holding *key*, or None when no reference spans it."""
        j = bisect_right(self.bounds, key)
        got = self.cells[j]
        return self.work_out(j) if got is UNSET else got

    def work_out(self, j: int) -> Cell | None:
        """Cell *j* (where keys k with ``bisect_right(bounds, k) == j`` fall), kept."""
        got = self.cells[j] = self._make(j)
        return got

    def _make(self, j: int) -> Cell | None:
        n_excl = len(self.excludes.refs.refs)
        spanning = [i for i, (s, e) in enumerate(self._spans) if s <= j <= e]
        if not spanning:
            return None
        excl = tuple(i for i in spanning if i < n_excl)
        refs = self.excludes.refs.refs
        exact = not any(refs[i].positions or refs[i].suffixes for i in excl)
        return Cell(excl, exact, one_per_note(excl, self.excludes.notes) if exact else (),
                    len(excl) < len(spanning))


def one_per_note(found: tuple[int, ...] | list[int], notes: tuple[Note, ...]) -> tuple[int, ...]:
    """The references found, the first of each note only (a note may cite several)."""
    seen: set[int] = set()
    kept = []
    for i in found:
        if id(notes[i]) not in seen:
            seen.add(id(notes[i]))
            kept.append(i)
    return tuple(kept)


UNGOVERNED = Governing(Excludes((), RefSet(()), ()), (), "")
