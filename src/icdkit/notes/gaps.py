"""Documentation gaps: what the note does not say for a specific code, and the codes to choose.

An assigned code whose title (or an ancestor's, below the category) says *unspecified* has
siblings that say what it does not; the words their titles differ on name the axis (side,
spinal region, acuity, stage, type…). A 7th character the note did not state is a gap too.
Kept in one module so the code guide's documentation elements (``icdkit.guide``) can replace
:func:`axes` when they land.

>>> from icdkit import KnowledgeBase
>>> g = gaps_for(KnowledgeBase.open(), "M54.00")[0]
>>> g.axis, g.choices[0].code, g.choices[-1].code
('region', 'M54.01', 'M54.09')
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from icdkit.notes.result import Choice, Gap
from icdkit.vocabulary import words

if TYPE_CHECKING:
    from icdkit.kb import KnowledgeBase
    from icdkit.models import Code

MAX_CHOICES = 24
_UNSPECIFIED = re.compile(r"(?<!or )\bunspecified\b", re.IGNORECASE)  # not '… or unspecified CKD'
_AXES: dict[str, frozenset[str]] = {
    "side": frozenset({"right", "left", "bilateral", "unilateral"}),
    "region": frozenset({"cervical", "thoracic", "lumbar", "lumbosacral", "sacral", "sacrococcygeal",
                         "cervicothoracic", "thoracolumbar", "occipito", "atlanto", "axial", "region",
                         "regions"}),
    "acuity": frozenset({"acute", "chronic", "subacute", "recurrent"}),
    "severity": frozenset({"mild", "moderate", "severe", "intermittent", "persistent"}),
    "stage": frozenset({"stage", "3a", "3b"}),
    "displacement": frozenset({"displaced", "nondisplaced"}),
    "trimester": frozenset({"trimester", "first", "second", "third"}),
    "complication": frozenset({"with", "without", "complication", "complications", "exacerbation",
                               "uncomplicated", "complicated"}),
}
_VAGUE = frozenset({"region", "regions", "stage", "first", "second", "third", "end"})
_QUESTIONS = {"side": "which side", "region": "which spinal region", "acuity": "acute or chronic",
              "severity": "how severe", "stage": "which stage", "displacement": "displaced or not",
              "trimester": "which trimester", "complication": "with which complication, if any",
              "site": "which part or site", "type": "which type"}


def axis_of(own: Code, others: list[Code]) -> str | None:
    """The axis the *others*' titles differ from *own*'s on (None when *own* answers it)."""
    mine = set(words(own.title))
    answered = {axis for axis, vocab in _AXES.items() if mine & (vocab - _VAGUE) and axis != "complication"}
    diff: Counter[str] = Counter()
    for o in others:
        for w in sorted(set(words(o.title)) - mine):
            for axis, vocab in _AXES.items():
                if w in vocab:
                    diff[axis] += 1
    if diff:  # the most frequent axis; on a tie the first of _AXES (not set order: reproducible)
        axis = max(diff, key=lambda a: (diff[a], -list(_AXES).index(a)))
        return None if axis in answered else axis
    return "site" if own.kind == "subcategory" else "type"


def axes(kb: KnowledgeBase, code: str) -> list[tuple[str, Code, list[Code]]]:
    """(axis, the unspecified code or ancestor, the codes to choose from), nearest first."""
    c = kb.find(code)
    if c is None:
        return []
    out: list[tuple[str, Code, list[Code]]] = []
    chain = [c, *kb.ancestors(c.code)]
    for node in chain:
        if node.kind in ("category", "block", "chapter"):
            break
        if len(node.code.replace(".", "")) == 7:  # the 7th character: its own gap
            continue
        if not _UNSPECIFIED.search(node.title):
            continue
        sibs = [s for s in kb.siblings(node.code) if s.code != node.code]
        axis = axis_of(node, sibs) if sibs else None
        if axis is not None:
            out.append((axis, node, sibs))
    return out


def gaps_for(kb: KnowledgeBase, code: str, *, seventh_stated: bool = True, start: int | None = None,
             end: int | None = None) -> list[Gap]:
    """The gaps of an assigned *code* (see the module docstring)."""
    out: list[Gap] = []
    for axis, node, sibs in axes(kb, code):
        choices = tuple(Choice(s.code, s.title) for s in sibs[:MAX_CHOICES])
        out.append(Gap(f"{_QUESTIONS.get(axis, 'which one')}? the note gives '{node.title}' ({node.code})",
                       code, axis, choices, start, end))
    c = kb.find(code)
    if c is not None and len(c.code.replace(".", "")) == 7 and not seventh_stated:
        parent = kb.ancestors(c.code)[0]
        kids = kb.children(parent.code)
        chars = kb.seventh_characters(parent.code)
        out.append(Gap(f"which encounter? the note does not say; {c.code[-1]} "
                       f"({chars.get(c.code[-1], '')}) assumed for active treatment (Guidelines I.C.19.a)",
                       code, "encounter", tuple(Choice(k.code, k.title) for k in kids[:MAX_CHOICES]),
                       start, end))
    return out
