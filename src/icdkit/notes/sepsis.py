"""Severe sepsis needs its underlying systemic infection (Guidelines I.C.1.d.1.a and
I.C.1.d.4; R65.2-'s *Code first underlying infection … sepsis NOS (A41.9)*): when the note
codes R65.20 / R65.21 and nothing codes the sepsis itself, the Index's *Sepsis* entry for the
organism documented beside it is coded (Sepsis › Escherichia coli A41.51), else A41.9 (the
organism not specified: I.C.1.d.1.a.i). The organism's own code (B95–B97) is then included.

>>> from icdkit.notes import code_note
>>> code_note("DISCHARGE SUMMARY\\nDischarge diagnoses: Severe sepsis due to E. coli with acute kidney "
...           "injury.", setting="inpatient").code_list
['A41.51', 'R65.20', 'N17.9']
"""

from __future__ import annotations

from icdkit.notes.mentions import Finder
from icdkit.notes.result import NotCoded
from icdkit.notes.setting import Candidate
from icdkit.search.engine import Result
from icdkit.vocabulary import STOP, stem
from icdkit.vocabulary import query_words as words

_ORGANISM = ("B95", "B96", "B97")


def underlying_sepsis(f: Finder, cands: list[Candidate]) -> tuple[list[Candidate], list[NotCoded]]:
    """The candidates with the sepsis code a severe sepsis code asks to be coded first."""
    severe = [c for c in cands if c.code.startswith("R65.2") and c.assertion in ("present", "uncertain")]
    if not severe or any(_is_sepsis(f, c) for c in cands):
        return cands, []
    r65 = severe[0]
    beside = [c for c in cands if c is not r65 and c.mention.unit.start == r65.mention.unit.start]
    # the organism's own code first, then the infections named with it ('MRSA pneumonia')
    organisms = [c for c in beside if c.code.startswith(_ORGANISM)] + \
        [c for c in beside if not c.code.startswith(_ORGANISM)]
    got: tuple[Result, Candidate | None] | None = None
    for x in organisms:
        ws = [w for w in x.mention.words if w not in STOP]
        for r in f.searcher.search("sepsis " + " ".join(ws), limit=3):
            parts = r.matched.path.split(" › ")
            if r.matched.via == "index" and parts[0].startswith("Sepsis") and len(parts) > 1 \
                    and r.code[:1] in "AB" \
                    and r.billable and {stem(w) for w in words(parts[1])} & ({stem(w) for w in ws}
                                                                            | _expanded(f, ws)):
                got = (r, x)
                break
        if got:
            break
    if got is None:
        nos = next((r for r in f.searcher.search("sepsis", limit=3)
                    if r.matched.path.split(" › ")[0].startswith("Sepsis") and r.billable), None)
        if nos is None:
            return cands, []
        got = (nos, None)
    r, organism = got
    c = Candidate(r.code, r.title, r65.mention, r65.assertion,
                  f"{r.matched.path} (the infection under '{r65.mention.text}')",
                  ["I.C.1.d.4 severe sepsis: the underlying systemic infection is coded first (code first "
                   f"note at {r65.code})"])
    out: list[NotCoded] = []
    keep = list(cands)
    o = organism
    if o is not None and o.code.startswith(_ORGANISM):
        c.extra.append(o.mention)
        keep = [x for x in cands if x is not o or len({m.unit.start for m in [o.mention, *o.extra]}) > 1]
        if o not in keep:
            out.append(NotCoded(o.mention.text, o.mention.start, o.mention.end,
                                f"the organism is in {r.code}", o.code))
    return [*keep, c], out


def _is_sepsis(f: Finder, c: Candidate) -> bool:
    """Does *c* code the sepsis (A40–A41, or a code whose title names sepsis, not R65.2-)?"""
    return c.code.startswith(("A40", "A41")) or (not c.code.startswith("R65") and "sepsis" in words(c.title))


def _expanded(f: Finder, ws: list[str]) -> set[str]:
    return {stem(v) for vs in f.synonyms.variants(ws)[1:] for v in vs}
