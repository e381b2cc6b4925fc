"""The code guide: the seed page for every code and header, derived from the knowledge base
and the rules, every statement citing its sources. Deterministic: no network, no language model.

>>> from icdkit import KnowledgeBase
>>> g = guide(KnowledgeBase.open("FY2026"), "M54.03")
>>> g.facts["status"], [c.code for c in g.confusable][:1]
('billable', ['M54.13'])

Sections come from small modules: :mod:`~icdkit.guide.facts` (status, chapter, region,
7th character, CC/MCC, HCC, MCE, history, GEMs), :mod:`~icdkit.guide.axes` (what tells a code
from its siblings), :mod:`~icdkit.guide.documentation`, :mod:`~icdkit.guide.pitfalls`,
:mod:`~icdkit.guide.confusable`, :mod:`~icdkit.guide.related`, :mod:`~icdkit.guide.faq`,
:mod:`~icdkit.guide.context`, :mod:`~icdkit.guide.sources`.
"""

from __future__ import annotations

import datetime as dt

from icdkit.guide.axes import open_axes
from icdkit.guide.confusable import confusable
from icdkit.guide.context import context, summary
from icdkit.guide.documentation import documentation, elements_of
from icdkit.guide.facts import facts
from icdkit.guide.faq import faq
from icdkit.guide.model import Confusable, Element, Faq, Guide, OpenAxis, Related, Source, Statement
from icdkit.guide.pitfalls import pitfalls
from icdkit.guide.related import related
from icdkit.guide.subject import MAX_CODES, Subject
from icdkit.kb import KnowledgeBase

__all__ = [
    "MAX_CODES",
    "Confusable",
    "Element",
    "Faq",
    "Guide",
    "OpenAxis",
    "Related",
    "Source",
    "Statement",
    "elements",
    "guide",
    "open_axes",
]


def guide(kb: KnowledgeBase, code: str, *, on: dt.date | str | None = None) -> Guide:
    """The guide of *code* in *kb* on date *on* (default: the release's date).

    Raises UnknownCode (with suggestions) or MalformedCode like :meth:`KnowledgeBase.get`.
    """
    s = Subject.of(kb, code, on)
    node = s.node
    found, history = facts(kb, node, s.day, s.cite)
    docs = documentation(s)
    conf = confusable(s)
    traps = pitfalls(s, conf)
    rel = related(s)
    questions = faq(s, conf, found)
    siblings = tuple(_brief(kb, c, s.day) for c in kb.siblings(node.key)) if s.coded else ()
    children = tuple(_brief(kb, c, s.day) for c in kb.children(node.key))
    return Guide(
        code=node.code,
        title=node.title,
        release=kb.release,
        summary=summary(s, found),
        facts=found,
        documentation=tuple(docs),
        pitfalls=tuple(traps),
        confusable=tuple(conf),
        related=tuple(rel),
        faq=tuple(questions),
        context=context(s, found, conf, rel),
        siblings=siblings,
        children=children,
        history=tuple(history),
        elements=tuple(elements_of(s)),
        sources=s.cite.all(),
    )


def elements(kb: KnowledgeBase, code: str) -> list[Element]:
    """What a clinical note must state for *code*: the condition, then the value of each axis
    (M54.03 → condition "Panniculitis affecting regions of neck and back", region
    "cervicothoracic region"). The note coder checks notes against these."""
    return elements_of(Subject.of(kb, code, None))


def _brief(kb: KnowledgeBase, c: object, day: str) -> dict[str, object]:
    from icdkit.models import Code

    assert isinstance(c, Code)
    billable = c.kind in ("category", "subcategory", "code") and kb.period_on(c.key, day) is not None
    return {"code": c.code, "title": c.title, "billable": billable}
