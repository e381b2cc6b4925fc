"""Per-knowledge-base memo of what rules ask about codes again and again (batch checks)."""

from __future__ import annotations

from dataclasses import dataclass

from icdkit.kb import KnowledgeBase
from icdkit.models import Note
from icdkit.refs import Ref

ExcludesRef = tuple[str, Ref, Note]  # (note kind, reference, note)
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
        self._excludes: dict[str, tuple[ExcludesRef, ...]] = {}
        self._sequencing: dict[str, tuple[Instruction, ...]] = {}
        self._manifest: dict[tuple[str, str], bool] = {}

    def excludes(self, key: str) -> tuple[ExcludesRef, ...]:
        got = self._excludes.get(key)
        if got is None:
            notes = self.kb.effective_notes(key, kinds=("excludes1", "excludes2"))
            got = tuple((n.kind, r, n) for n in notes for r in n.refs)
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
