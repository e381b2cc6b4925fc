"""Checks every guide of a release can be held to: it is made without error, each statement
(advice, FAQ, history event, fact) cites at least one source the guide lists, no statement
is repeated, and the advice stays focused (at most :data:`~icdkit.guide.subject.MAX_CODES` distinct codes).

>>> from icdkit import KnowledgeBase
>>> audit(KnowledgeBase.open("FY2026"), ["M54.03", "M54.2", "M54"])
[]
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from icdkit.guide import guide
from icdkit.guide.model import Confusable, Faq, Guide, Related, Statement
from icdkit.guide.subject import MAX_CODES
from icdkit.kb import KnowledgeBase


def problems(g: Guide) -> list[str]:
    """What is wrong with one guide (empty when nothing is)."""
    out = []
    ids = {s.id for s in g.sources}
    items: list[Statement | Confusable | Related | Faq] = [
        *g.documentation,
        *g.pitfalls,
        *g.confusable,
        *g.related,
        *g.faq,
    ]
    for it in items:
        if not it.sources or not set(it.sources) <= ids:
            out.append(f"{g.code}: unresolved sources {it.sources}")
    for h in g.history:  # the history's events and the facts are statements too
        if not h["sources"] or not set(h["sources"]) <= ids:
            out.append(f"{g.code}: history {h['event']!r} unresolved sources {h['sources']}")
    for name, cited in g.facts.get("sources", {}).items():
        if not cited or not set(cited) <= ids:
            out.append(f"{g.code}: fact {name} unresolved sources {cited}")
    texts = [json.dumps(it.to_json(), sort_keys=True) for it in items]
    texts += [s.text for s in (*g.documentation, *g.pitfalls)]
    if len(texts) != len(set(texts)):
        out.append(f"{g.code}: a statement is repeated")
    if len(g.codes()) > MAX_CODES:
        out.append(f"{g.code}: {len(g.codes())} distinct codes")
    return out


def audit(kb: KnowledgeBase, codes: Iterable[str]) -> list[str]:
    """The problems of the guides of *codes* (an error making a guide is one too)."""
    out = []
    for code in codes:
        try:
            out.extend(problems(guide(kb, code)))
        except Exception as exc:  # every failure is reported, with its code
            out.append(f"{code}: {type(exc).__name__}: {exc}")
    return out


def audit_part(path: str, part: int, parts: int) -> tuple[int, list[str]]:
    """Audit every *parts*-th code and header of the release stored at *path*, from *part*
    (a worker's share of a whole release); return how many were audited and the problems."""
    with KnowledgeBase(Path(path)) as kb:
        kb.preload()
        rows = kb.connection().execute("SELECT code FROM nodes ORDER BY seq").fetchall()
        mine = [code for i, (code,) in enumerate(rows) if i % parts == part]
        return len(mine), audit(kb, mine)
