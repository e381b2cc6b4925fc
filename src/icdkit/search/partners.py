"""Results that need two codes: the partner a "use additional code" or "code also" note asks for.

"type 2 diabetes with ckd stage 3" is E11.22 *and* N18.30: E11.22's note says "Use additional
code to identify stage of chronic kidney disease (N18.1-N18.6)". A partner is a candidate code
of the same search that the note's references cover and that matched query words the first
code's own path and title do not print (here "stage 3").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from icdkit.kb import KnowledgeBase
    from icdkit.models import Note

_KINDS = ("use_additional", "code_also")
MAX_PARTNERS = 2
_MIN_SCORE = 0.15


@dataclass(frozen=True, slots=True)
class Also:
    code: str
    title: str
    note: str  # the note that asks for it, as printed
    at: str  # the code the note stands on

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "title": self.title, "note": self.note, "at": self.at}


def partners(kb: KnowledgeBase, code: str, own: set[str], candidates: list[tuple[str, float, set[str]]],
             stems: set[str]) -> tuple[Also, ...]:
    """Partners for *code* among *candidates* (code, score, the query stems its path and title
    print), best first; *own* are the query stems the code's own path and title print."""
    if not stems - own:  # the code's own path and title say all the query says
        return ()
    adding = [other for other, score, printed in candidates
              if other != code and score >= _MIN_SCORE and printed - own]
    if not adding:
        return ()
    notes = [n for n in kb.effective_notes(code, kinds=_KINDS) if n.refs]
    out: list[Also] = []
    for other in adding:
        if not notes or len(out) >= MAX_PARTNERS:
            break
        c = kb.find(other)
        if c is None or any(a.code == other for a in out):
            continue
        note = next((n for n in notes if any(r.matches(c.key) for r in n.refs)), None)
        if note is not None and all(a.note != _label(note) + note.text for a in out):  # one a note
            out.append(Also(c.code, c.title, _label(note) + note.text, note.source))
    return tuple(out)


def _label(note: Note) -> str:
    return "Use additional " if note.kind == "use_additional" else "Code also "
