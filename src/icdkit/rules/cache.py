"""Per-knowledge-base memo of what rules ask about codes again and again (batch checks)."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from icdkit.kb import KnowledgeBase
from icdkit.models import Note
from icdkit.refs import Ref

ExcludesRef = tuple[str, Ref, Note]  # (note kind, reference, note)


@dataclass(frozen=True, slots=True)
class ExcludesSet:
    """A code's effective excludes references, with their merged key intervals for a quick
    "could any reference cover this key?" test by bisection before the exact check."""

    refs: tuple[ExcludesRef, ...]
    starts: tuple[str, ...]
    ends: tuple[str, ...]

    def may_cover(self, key: str) -> bool:
        i = bisect_right(self.starts, key) - 1
        return i >= 0 and key <= self.ends[i]

    @classmethod
    def of(cls, refs: tuple[ExcludesRef, ...]) -> ExcludesSet:
        merged: list[list[str]] = []
        for lo, hi in sorted((r.lo, r.hi) for _, r, _ in refs):
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        return cls(refs, tuple(m[0] for m in merged), tuple(m[1] for m in merged))
_ELSEWHERE = "in diseases classified elsewhere"


@dataclass(frozen=True, slots=True)
class Instruction:
    """One instructional note as printed: the tabular splits a list ("Code first underlying
    disease, such as: …") into several <note> elements; they are one instruction."""

    kind: str
    source: str
    text: str
    refs: tuple[Ref, ...]


def group(notes: tuple[Note, ...] | list[Note]) -> tuple[Instruction, ...]:
    """Join consecutive notes of one kind standing on one node into instructions."""
    out: list[Instruction] = []
    for n in notes:
        last = out[-1] if out else None
        if last is not None and (last.kind, last.source) == (n.kind, n.source):
            sep = " " if last.text.endswith(":") else "; "
            out[-1] = Instruction(n.kind, n.source, f"{last.text}{sep}{n.text}", last.refs + n.refs)
        else:
            out.append(Instruction(n.kind, n.source, n.text, n.refs))
    return tuple(out)


class RuleCache:
    """Each code's effective excludes references and sequencing notes, computed once."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._excludes: dict[str, ExcludesSet] = {}
        self._sequencing: dict[str, tuple[Instruction, ...]] = {}
        self._manifest: dict[tuple[str, str], bool] = {}

    def excludes(self, key: str) -> ExcludesSet:
        got = self._excludes.get(key)
        if got is None:
            notes = self.kb.effective_notes(key, kinds=("excludes1", "excludes2"))
            got = ExcludesSet.of(tuple((n.kind, r, n) for n in notes for r in n.refs))
            self._excludes[key] = got
        return got

    def sequencing(self, key: str) -> tuple[Instruction, ...]:
        got = self._sequencing.get(key)
        if got is None:
            got = group(self.kb.effective_notes(key, kinds=("code_first", "use_additional", "code_also")))
            self._sequencing[key] = got
        return got

    def names_manifestation(self, ref: Ref) -> bool:
        """Whether a reference covers a manifestation ('in diseases classified elsewhere') code."""
        k = (ref.lo, ref.hi)
        got = self._manifest.get(k)
        if got is None:
            got = any(_ELSEWHERE in c.title.lower() for c in self.kb.resolve(ref))
            self._manifest[k] = got
        return got
