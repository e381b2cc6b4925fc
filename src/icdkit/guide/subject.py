"""What every section of a guide reads about its code, gathered once: the node, its axes,
its notes by kind, the Index entries leading to it, the citations, and the focus budget.

>>> from icdkit import KnowledgeBase
>>> kb = KnowledgeBase.open("FY2026")
>>> s = Subject.of(kb, "M54.03", None)
>>> [n.source for n in s.excludes1][:3], s.levels[0].axis
(['M54.0', 'M54.0', 'M54.0'], 'region')
"""

from __future__ import annotations

import datetime as dt
import json
import weakref
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any

from icdkit.guide.axes import Level, levels
from icdkit.guide.sources import Citations
from icdkit.kb import KnowledgeBase, parse_date
from icdkit.models import Code, Note
from icdkit.refs import Ref

MAX_CODES = 40  # distinct codes one guide may point to (focus)
BROAD = 60  # a reference covering more categories than this is too broad to advise on
REVERSE_SPAN = 6  # categories a note elsewhere may span and still be shown on this code's page
_CODED = ("category", "subcategory", "code")


@dataclass(frozen=True, slots=True)
class Instruction:
    """One instructional note as printed (its notes joined), standing at *source*."""

    kind: str
    source: str
    text: str
    notes: tuple[Note, ...]


@dataclass
class Subject:
    """One code being described, and the state the sections share while they are made."""

    kb: KnowledgeBase
    node: Code
    day: str
    cite: Citations
    ancestors: list[Code]
    levels: list[Level]
    notes: list[Note]
    entries: list[dict[str, Any]]
    billable: bool
    seen_codes: set[str] = field(default_factory=set)
    seen_text: set[str] = field(default_factory=set)
    _reverse: list[Note] | None = None

    @classmethod
    def of(cls, kb: KnowledgeBase, code: str, on: dt.date | str | None) -> Subject:
        from icdkit.search.navigate import entries_for

        node = kb.get(code)
        day = kb.check_date(parse_date(on) or kb.effective)
        coded = node.kind in _CODED
        return cls(
            kb,
            node,
            day,
            Citations(kb.release),
            kb.ancestors(node.key),
            levels(kb, node) if coded else [],
            kb.effective_notes(node.key),
            entries_for(kb, node.code) if coded else [],
            coded and kb.period_on(node.key, day) is not None,
        )

    @property
    def code(self) -> str:
        return self.node.code

    @property
    def index_release(self) -> str:
        """The release of the Index and Tables this knowledge base was built with."""
        return str(json.loads(self.kb.meta.get("index_source", "{}")).get("release", "Index"))

    @property
    def coded(self) -> bool:
        return self.node.kind in _CODED

    def instructions(self) -> list[Instruction]:
        """Code first / Use additional code / Code also, as printed: the tabular splits one
        instruction with a list ("Code first the underlying condition, such as: …") into
        several notes of one kind on one node; they are joined here."""
        out: list[Instruction] = []
        for n in self.of_kind("code_first", "use_additional", "code_also"):
            last = out[-1] if out else None
            if last is not None and (last.kind, last.source) == (n.kind, n.source):
                sep = " " if last.text.endswith(":") else "; "
                out[-1] = Instruction(n.kind, n.source, f"{last.text}{sep}{n.text}", (*last.notes, n))
            else:
                out.append(Instruction(n.kind, n.source, n.text, (n,)))
        return out

    def of_kind(self, *kinds: str) -> list[Note]:
        return [n for n in self.notes if n.kind in kinds]

    @property
    def excludes1(self) -> list[Note]:
        return self.of_kind("excludes1")

    def own_keys(self) -> set[str]:
        """This node and its ancestors (notes standing there govern it)."""
        return {self.node.key, *(a.key for a in self.ancestors)}

    def narrow(self, ref: Ref) -> bool:
        """Whether a note reference names few enough codes to advise on."""
        return _span(self.kb, ref) <= BROAD

    def narrow_patterns(self, notes: list[Note] | tuple[Note, ...], *, focus: bool = False
                        ) -> tuple[str, ...]:
        """The patterns the *notes* name narrowly enough to advise on, once each, in order
        (M54.2's Excludes1 "cervicalgia due to intervertebral cervical disc disorder (M50.-)"
        gives ``("M50.-",)``); with *focus*, the last ones are dropped until all fit the guide's
        :data:`MAX_CODES`."""
        pats = tuple(dict.fromkeys(r.pattern for n in notes for r in n.refs if self.narrow(r)))
        while focus and pats and len(self.seen_codes | set(pats)) > MAX_CODES:
            pats = pats[:-1]
        return pats

    def reverse_notes(self) -> list[Note]:
        """Notes standing elsewhere whose references name this code or one of its ancestors
        (read from the build's ``rel_reverse``), each reference spanning at most
        :data:`REVERSE_SPAN` categories (G89's "spine pain (M54.-)" for M54.2; not a block's
        "(M40-M54)")."""
        if self._reverse is None:
            own = self.own_keys()
            keys = sorted(own)
            rows = (
                self.kb.connection()
                .execute(
                    "SELECT n.owner, n.kind, n.text FROM rel_reverse r JOIN notes n ON n.id = r.note_id "
                    f"WHERE r.key IN ({','.join('?' * len(keys))}) ORDER BY n.id",
                    keys,
                )
                .fetchall()
            )
            out = []
            for owner, kind, text in rows:
                if owner in own:
                    continue
                note = next((n for n in self.kb.notes(owner, kinds={kind}) if n.text == text), None)
                if note is not None and any(
                    _span(self.kb, r) <= REVERSE_SPAN and r.matches(k) for r in note.refs for k in keys
                ):
                    out.append(note)
            self._reverse = out
        return self._reverse

    def fits(self, codes: tuple[str, ...] | list[str]) -> bool:
        """Take *codes* into the guide's focus budget if they fit (all or nothing)."""
        new = {c for c in codes if c != self.code} - self.seen_codes
        if len(self.seen_codes) + len(new) > MAX_CODES:
            return False
        self.seen_codes |= new
        return True

    def fresh(self, text: str) -> bool:
        """True the first time a statement's text is made (no statement is repeated)."""
        if text in self.seen_text:
            return False
        self.seen_text.add(text)
        return True

    def title_of(self, code: str) -> str:
        node = self.kb.find(code.rstrip("-").rstrip(".")) if code else None
        return node.title if node else ""


_CATEGORIES: weakref.WeakKeyDictionary[KnowledgeBase, list[str]] = weakref.WeakKeyDictionary()


def _span(kb: KnowledgeBase, ref: Ref) -> int:
    """How many categories a reference spans (1 within one category)."""
    lo, hi = ref.lo[:3], ref.hi[:3]
    if lo == hi:
        return 1
    cats = _CATEGORIES.get(kb)
    if cats is None:  # the categories of a release, sorted: read once per knowledge base
        cats = _CATEGORIES[kb] = [k for k in kb.code_keys() if len(k) == 3]
    return bisect_right(cats, hi) - bisect_left(cats, lo)
