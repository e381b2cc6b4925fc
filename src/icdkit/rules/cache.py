"""Per-knowledge-base memo of what rules ask about codes again and again (batch checks)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from icdkit.kb import KnowledgeBase
from icdkit.models import Note
from icdkit.refs import Ref, RefSet
from icdkit.rules.findings import Finding

MEMO_LIMIT = 200_000

#: The title phrase that marks a manifestation code (ICD-10-CM conventions).
ELSEWHERE = "in diseases classified elsewhere"


@dataclass(frozen=True, slots=True)
class Excludes:
    """A code's effective Excludes1/Excludes2 notes, one entry per reference."""

    notes: tuple[Note, ...]  # the note of each reference, by index
    refs: RefSet


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


class RuleCache:
    """Each code's effective excludes references and sequencing notes, computed once."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._excludes: dict[str, Excludes] = {}
        self._sequencing: dict[str, tuple[Instruction, ...]] = {}
        self._manifest: dict[tuple[str, str], bool] = {}
        self._memo: dict[tuple[object, ...], tuple[Finding, ...]] = {}
        self._json: dict[int, str] = {}  # id of a memoised finding -> its JSON

    def memo(self, key: tuple[object, ...], make: Callable[[], Iterable[Finding]]) -> tuple[Finding, ...]:
        """Findings that depend only on *key* (a code, a date …), computed once.

        Bounded: at MEMO_LIMIT entries the memo starts afresh, so memory stays flat however
        long the batch and however many distinct codes and dates it holds.
        """
        got = self._memo.get(key)
        if got is None:
            got = tuple(make())
            if len(self._memo) >= MEMO_LIMIT:
                self._memo.clear()
                self._json.clear()
            self._memo[key] = got
            for f in got:
                self._json[id(f)] = json.dumps(f.to_dict(), ensure_ascii=False)
        return got

    def json(self, finding: Finding) -> str:
        """The JSON text of a finding (kept for memoised findings, which stay alive here)."""
        got = self._json.get(id(finding))
        return got if got is not None else json.dumps(finding.to_dict(), ensure_ascii=False)

    def excludes(self, key: str) -> Excludes:
        got = self._excludes.get(key)
        if got is None:
            notes = self.kb.effective_notes(key, kinds=("excludes1", "excludes2"))
            pairs = [(n, r) for n in notes for r in n.refs]
            got = Excludes(tuple(n for n, _ in pairs), RefSet([r for _, r in pairs]))
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
            got = any(ELSEWHERE in c.title.lower() for c in self.kb.resolve(ref))
            self._manifest[k] = got
        return got
