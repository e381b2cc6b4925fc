"""The objects a code guide is made of: frozen, JSON-ready, every statement citing sources.

>>> s = Statement("Document the region.", ("M54.03",), ("s1",))
>>> s.to_json()
{'text': 'Document the region.', 'codes': ['M54.03'], 'sources': ['s1']}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Source:
    """Where a statement comes from: a tabular note, an Index path, a table row, an edit table."""

    id: str
    kind: str  # tabular | tabular-note | valid-code-set | index | drug-table | neoplasm-table | mce
    #            | ms-drg | cms-hcc | gem | code-history | convention | region-map
    release: str  # release or table version the source belongs to
    at: str  # the code, block, chapter or Index path it stands at
    text: str  # the exact text (a note's words, a table row, a period of validity)

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "kind": self.kind, "release": self.release, "at": self.at, "text": self.text}


@dataclass(frozen=True, slots=True)
class Statement:
    """One piece of advice (documentation tip or pitfall) with the codes it names."""

    text: str
    codes: tuple[str, ...]
    sources: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "codes": list(self.codes), "sources": list(self.sources)}


@dataclass(frozen=True, slots=True)
class Confusable:
    """A code mixed up with this one, and how to tell them apart."""

    code: str
    title: str
    difference: str
    sources: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "difference": self.difference,
            "sources": list(self.sources),
        }


@dataclass(frozen=True, slots=True)
class Related:
    """A code reported with this one (an instruction, the reverse of one, or the Index)."""

    code: str
    title: str
    relation: str
    sources: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "relation": self.relation,
            "sources": list(self.sources),
        }


@dataclass(frozen=True, slots=True)
class Faq:
    """A question a coder asks, answered from the rules for this code."""

    question: str
    answer: str
    codes: tuple[str, ...]
    sources: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "codes": list(self.codes),
            "sources": list(self.sources),
        }


@dataclass(frozen=True, slots=True)
class Element:
    """One thing a clinical note must state to support the code (the scribe checks notes
    against these): the condition, or the value of an axis."""

    name: str  # condition | laterality | encounter | acuity | region | type | …
    value: str
    sources: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"element": self.name, "value": self.value, "sources": list(self.sources)}


@dataclass(frozen=True, slots=True)
class OpenAxis:
    """An axis a header or an unspecified code leaves to choose, and the codes to choose from
    (M54.0 -> region: M54.00 … M54.09)."""

    axis: str
    label: str
    candidates: tuple[str, ...]
    sources: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "axis": self.axis,
            "label": self.label,
            "candidates": list(self.candidates),
            "sources": list(self.sources),
        }


@dataclass(frozen=True, slots=True)
class Guide:
    """The code page of one code or header (see :func:`icdkit.guide.guide`)."""

    code: str
    title: str
    release: str
    summary: str
    facts: dict[str, Any]
    documentation: tuple[Statement, ...]
    pitfalls: tuple[Statement, ...]
    confusable: tuple[Confusable, ...]
    related: tuple[Related, ...]
    faq: tuple[Faq, ...]
    context: str
    siblings: tuple[dict[str, Any], ...]
    children: tuple[dict[str, Any], ...]
    history: tuple[dict[str, Any], ...]
    elements: tuple[Element, ...]
    sources: tuple[Source, ...]

    def to_json(self) -> dict[str, Any]:
        """The public JSON contract (``icdkit guide --json``, ``GET /api/codes/{code}/guide``)."""
        return {
            "code": self.code,
            "title": self.title,
            "release": self.release,
            "summary": self.summary,
            "facts": self.facts,
            "documentation": [s.to_json() for s in self.documentation],
            "pitfalls": [s.to_json() for s in self.pitfalls],
            "confusable": [c.to_json() for c in self.confusable],
            "related": [r.to_json() for r in self.related],
            "faq": [f.to_json() for f in self.faq],
            "context": self.context,
            "siblings": list(self.siblings),
            "children": list(self.children),
            "history": list(self.history),
            "elements": [e.to_json() for e in self.elements],
            "sources": [s.to_json() for s in self.sources],
        }

    def codes(self) -> set[str]:
        """The distinct codes the advice points to (documentation, pitfalls, confusable,
        related, FAQ): how focused the guide is."""
        got = {c for s in (*self.documentation, *self.pitfalls) for c in s.codes}
        got.update(c.code for c in self.confusable)
        got.update(r.code for r in self.related)
        got.update(c for f in self.faq for c in f.codes)
        got.discard(self.code)
        return got
