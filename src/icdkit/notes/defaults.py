"""A main term's default code beside a code of one of its own subterms is the same condition
said less fully: the default is left out.

The Index lists under a main term the code for the condition unqualified — its default
(Guidelines I.A.18) — and under its subterms the codes for what qualifies it. A note that says
'hypertension' in one place and 'secondary hypertension due to pheochromocytoma' in another
documents one hypertension, the secondary kind: I10 (Hypertension) beside I15.9 (Hypertension ›
secondary) would report an essential hypertension the note never gave (I.B.2, code to the
highest specificity documented; I.A.18: the default is for the term with no further words).
"""

from __future__ import annotations

from icdkit.kb import KnowledgeBase
from icdkit.notes.result import NotCoded
from icdkit.notes.setting import Candidate
from icdkit.notes.specificity import in_refs, note_refs
from icdkit.vocabulary import STOP, stem
from icdkit.vocabulary import query_words as words

_PAIRED = ("code_first", "use_additional", "code_also")


def _main(path: str) -> str:
    return path.split(" › ")[0].split(" → ")[0]


def _paired(kb: KnowledgeBase, a: str, b: str) -> bool:
    """Does a Tabular note at either code ask for the other (*Code first*, *Use additional
    code*, *Code also*)? Then both are reported: J12.82 with U07.1, I16.1 with I10."""
    return any(in_refs(y, note_refs(kb, x, kind)) for x, y in ((a, b), (b, a)) for kind in _PAIRED)


def _own_words(c: Candidate, other: Candidate) -> bool:
    """Does the default's mention say a word of its own title the other code does not print
    ('Essential hypertension' beside 'secondary hypertension': two conditions documented)?"""
    title = {stem(w) for w in words(c.title) if w not in STOP}
    theirs = {stem(w) for w in words(other.mention.result.matched.path + " " + other.title)}
    return any(stem(w) in title and stem(w) not in theirs for w in c.mention.words if w not in STOP)


def subterm_defaults(kb: KnowledgeBase, cands: list[Candidate]) -> tuple[list[Candidate], list[NotCoded]]:
    """The candidates kept, and the main-term defaults a subterm's code of the same main term
    (same assertion) makes redundant: 'Endocarditis' I38 beside 'Endocarditis › tricuspid' —
    unless a Tabular note pairs them (COVID-19 U07.1 with its pneumonia J12.82: I.C.1.g.1).
    or the default's own words name a second condition ('Essential hypertension'). Only a code
    found on the main term's own line is a default (a history or family code made from it is not)."""
    subterms = [(c, c.mention.result.matched.path) for c in cands
                if c.code == c.mention.result.code and c.mention.result.matched.via == "index"
                and " › " in c.mention.result.matched.path]
    keep, out = [], []
    for c in cands:
        r = c.mention.result
        path = r.matched.path
        better = None
        if c.code == r.code and r.matched.via == "index" and " › " not in path:
            better = next((o for o, p in subterms if o is not c and o.assertion == c.assertion
                           and o.code != c.code and _main(p) == _main(path)
                           and not _paired(kb, c.code, o.code) and not _own_words(c, o)), None)
        if better is None:
            keep.append(c)
            continue
        better.extra.append(c.mention)
        out.append(NotCoded(c.mention.text, c.mention.start, c.mention.end,
                            f"the main term's default ({path}), said more fully as {better.code} "
                            f"({better.mention.result.matched.path}) (Guidelines I.A.18, I.B.2)", c.code))
    return keep, out
