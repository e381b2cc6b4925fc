"""Diabetes: the type the note documents carries to its untyped 'diabetic' mentions.

The Index's ``Diabetes, diabetic`` entry codes an untyped diabetes to type 2 (E11.-), and the
guidelines say when: 'If the type of diabetes mellitus is not documented in the medical record
the default is E11.-' (Guidelines I.C.4.a.2). A note that documents the type once ('type 1
diabetes on an insulin pump') has documented it for its other mentions too: 'Diabetic
polyneuropathy' in the same note is E10.42, not E11.42 — the same patient's one diabetes, its
complications coded in the documented type's category (I.C.4.a: as many codes from E08–E13 as
needed). Only one type documented, and no mention typed 2, carries; a family member's diabetes
does not (its mention is 'family', not 'present').

>>> from icdkit.notes import code_note
>>> code_note("HPI: type 1 diabetes since childhood.\\nA/P: Diabetic nephropathy.").code_list
['E10.21']
"""

from __future__ import annotations

import re

from icdkit.notes.context import assertion
from icdkit.notes.mentions import Finder, Mention
from icdkit.notes.result import NotCoded
from icdkit.notes.sections import Section
from icdkit.notes.setting import Candidate

# the categories of a documented type (E08 underlying condition, E09 drug, E10 type 1, E13 other)
_TYPED = ("E08", "E09", "E10", "E13")
_TYPE_2 = frozenset({"2", "ii", "two", "t2dm", "t2d", "dm2", "dmii", "t2", "niddm"})
# the type as a note writes it, in a part of the note no mention is searched from ('HPI: type 1
# diabetes since age 9'): the words the Index enters under 'Diabetes, type 1' / 'type 2'
_DM = r"(?:diabet\w*|DM)"
_SAID = {"E10": re.compile(rf"\btype\s*(?:1|I|one)\s*{_DM}|\b{_DM}\s*(?:type\s*)?(?:1|I)\b|\bT1D(?:M)?\b|"
                          rf"\bjuvenile(?:[- ]onset)?\s*{_DM}", re.IGNORECASE),
         "E11": re.compile(rf"\btype\s*(?:2|II|two)\s*{_DM}|\b{_DM}\s*(?:type\s*)?(?:2|II)\b|\bT2D(?:M)?\b|"
                          rf"\bNIDDM\b", re.IGNORECASE)}
_SENTENCE_END = re.compile(r"\.(?=\s|$)|[;\n]")


def _typed_2(m: Mention) -> bool:
    return bool(_TYPE_2 & set(m.words)) or "type 2" in m.result.matched.path.lower()


def _written(f: Finder, text: str, sections: list[Section]) -> set[str]:
    """The types the note's text states of the patient (not negated, not a relative's)."""
    got = set()
    for cat, said in _SAID.items():
        for m in said.finditer(text):
            if any(s.name == "family_history" and s.start <= m.start() < s.end for s in sections):
                continue
            a = max((x.end() for x in _SENTENCE_END.finditer(text, 0, m.start())), default=0)
            b = next((x.start() for x in _SENTENCE_END.finditer(text, m.end())), len(text))
            stated = assertion(f.rules, text[a:b], m.start() - a, m.end() - a)
            if stated.category in ("present", "historical"):
                got.add(cat)
                break
    return got


def documented_type(f: Finder, text: str, sections: list[Section], mentions: list[Mention],
                    cands: list[Candidate]) -> tuple[list[Candidate], list[NotCoded]]:
    """Untyped diabetes codes (E11.- from 'diabetic …') moved to the one type the note documents
    elsewhere (see the module); an untyped 'diabetes' left bare beside that type's codes is the
    same disease, not a second one."""
    if not any(c.code.startswith("E11") for c in cands):
        return cands, []
    said = [m for m in mentions if m.assertion.category == "present"] + \
        [m for c in cands if c.assertion == "present" for m in (c.mention, *c.extra)]
    types = {m.code[:3] for m in said if m.code.startswith(_TYPED)} | \
        {c.code[:3] for c in cands if c.assertion == "present" and c.code.startswith(_TYPED)}
    written = _written(f, text, sections)
    types |= written - {"E11"}
    if len(types) != 1 or "E11" in written or any(m.code.startswith("E11") and _typed_2(m) for m in said):
        return cands, []
    kb = f.kb
    cat = types.pop()
    out: list[NotCoded] = []
    keep: list[Candidate] = []
    for c in cands:
        if not c.code.startswith("E11") or any(_typed_2(m) for m in (c.mention, *c.extra)):
            keep.append(c)
            continue
        found = kb.find(cat + c.code[3:])
        if found is None or not found.billable:
            keep.append(c)
            continue
        c.rules.append(f"I.C.4.a.2 the type documented in the note ({cat}): E11 is the default only when "
                       "the type is not documented")
        c.code, c.title = found.code, found.title
        keep.append(c)
    for c in list(keep):  # an untyped 'diabetes' now reads '… without complications' beside its type's codes
        if c.code == cat + ".9" and any(o.code.startswith(cat) and o.code != c.code for o in keep):
            keep.remove(c)
            out.append(NotCoded(c.mention.text, c.mention.start, c.mention.end, "the same diabetes, coded "
                                "with its complications (Guidelines I.C.4.a)", c.code))
    return keep, out
