"""Codes the Tabular List maps whole ranges of other codes to, through an inclusion term:
'Conditions classifiable to C15-C26' (Z80.0, family history), 'Conditions in J00-J99' (O99.5,
a respiratory disease complicating pregnancy), 'Any condition in I10 specified as a reason for
obstetric care' (O10.0). :func:`narrowest` answers which such code holds a given code.

>>> from icdkit import KnowledgeBase
>>> kb = KnowledgeBase.open()
>>> narrowest(kb, ("Z80", "Z81", "Z82", "Z83", "Z84"), "C18.9")[0].code
'Z80.0'
>>> narrowest(kb, ("O98", "O99", "O9A", "O10"), "J45.30")[0].code
'O99.5'
"""

from __future__ import annotations

import re
import threading
import weakref
from typing import TYPE_CHECKING

from icdkit.refs import Ref, parse_refs

if TYPE_CHECKING:
    from icdkit.kb import KnowledgeBase
    from icdkit.models import Code

_RANGE_TERM = re.compile(r"^(?:conditions classifiable (?:elsewhere )?(?:to|in)|conditions in|"
                         r"any condition in) (.+?)(?:,? except .*| specified as .*)?$", re.IGNORECASE)
Table = list[tuple[int, Ref, "Code", str]]
_tables: weakref.WeakKeyDictionary[KnowledgeBase, dict[tuple[str, ...], Table]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _width(ref: Ref) -> int:
    """How many categories a reference spans (C15-C26 → 11; C50.- → 0)."""
    def n(k: str) -> int:
        return (ord(k[0]) - 65) * 100 + (int(k[1:3]) if k[1:3].isdigit() else 0)
    return n(ref.hi) - n(ref.lo)


def table(kb: KnowledgeBase, roots: tuple[str, ...]) -> Table:
    """Every range inclusion term beneath the *roots* (categories), parsed (once per kb)."""
    with _lock:
        per = _tables.setdefault(kb, {})
        got = per.get(roots)
        if got is None:
            got = []
            for root in roots:
                for c in [n for n in (kb.find(root),) if n is not None] + kb.descendants(root):
                    for note in kb.notes(c.code, kinds=["inclusion_term"]):
                        hit = _RANGE_TERM.match(note.text.strip())
                        if hit:
                            got += [(_width(r), r, c, note.text.strip())
                                    for r in parse_refs(hit.group(1).replace(" or ", ", "), bare=True)]
            per[roots] = got
        return got


def narrowest(kb: KnowledgeBase, roots: tuple[str, ...], code: str) -> tuple[Code, str] | None:
    """The code beneath *roots* whose range inclusion term holds *code* (the narrowest range,
    then the deepest code), with the term's text; None when none does."""
    key = code.replace(".", "")
    hits = [(w, -len(c.code), c, text) for w, r, c, text in table(kb, roots) if r.matches(key)]
    if not hits:
        return None
    _, _, c, text = min(hits, key=lambda h: (h[0], h[1]))
    return c, text
