"""Long-term (current) drug therapy, Z79.- (Guidelines I.C.21.c.3; insulin and oral
hypoglycemics with diabetes, I.C.4.a.3), where the note says the patient is *on* a drug.

The drug's Z79 code comes from the Index ('Therapy, drug, long-term, insulin' → Z79.4) when
it names the drug or its class; else from the drug's Drug Table category, mapped to the Z79
code for that class (T38.3 insulin and oral hypoglycemics → Z79.84 …).

>>> from icdkit import KnowledgeBase
>>> from icdkit.notes.mentions import Finder
>>> from icdkit.notes.sections import split_sections
>>> t = "Assessment: atrial fibrillation, on apixaban."
>>> [c.code for c in long_term(Finder(KnowledgeBase.open()), t, split_sections(t), set())]
['Z79.01']
"""

from __future__ import annotations

import json
import re

from icdkit.notes.context import PRESENT, assertion
from icdkit.notes.mentions import Finder, Mention
from icdkit.notes.sections import Section
from icdkit.notes.sentences import Span
from icdkit.notes.setting import Candidate

_ON = re.compile(r"\b(?:on|takes|taking|maintained on|long[- ]term(?: use of)?|chronic(?: use of)?|continue|"
                 r"continued on|resume|resumed|transitioned to)\s+"
                 r"(?:daily\s+|chronic\s+|long[- ]term\s+|basal\s+|oral\s+)?([a-z][a-z-]{3,})\b",
                 re.IGNORECASE)
# more drugs of the same list: 'on insulin glargine and metformin', 'insulin plus metformin'
_MORE = re.compile(r"(?:[ \t]+[a-z0-9./%-]+){0,3}?(?:\s*,\s*(?:and\s+)?|\s+and\s+|\s+plus\s+|\s*\+\s*)"
                   r"(?:daily\s+|oral\s+|basal\s+)?([a-z][a-z-]{3,})\b", re.IGNORECASE)
# Drug Table category (4 characters) → the Z79 code of that class
_CLASS = {"T383": "Z79.84", "T380": "Z79.52", "T402": "Z79.891", "T404": "Z79.891", "T455": "Z79.01",
          "T390": "Z79.82", "T393": "Z79.1", "T451": "Z79.899"}
_SECTIONS = frozenset({"assessment_plan", "hpi", "preamble", "chief_complaint"})
# a brief course for an acute illness is not long-term therapy (I.C.21.c.3: 'a course of antibiotics')
_BRIEF = re.compile(r"[^,;\n]{0,30}?\b(?:burst|taper(?:ing)?|course|"
                    r"(?:x|for)?\s*\d+\s*(?:-\s*\d+\s*)?(?:d|days?)(?!\s+ago))\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"\.(?=\s|$)|[;\n]")  # not the point of '0.25 mg'


def long_term(f: Finder, text: str, sections: list[Section], have: set[str]) -> list[Candidate]:
    out: list[Candidate] = []
    seen = set(have)
    for s in sections:
        if s.name not in _SECTIONS:
            continue
        for m in _ON.finditer(text, s.start, s.end):
            if not _current(f, text, m.start(), m.end(), s.start, s.end):
                continue
            listed = [(m.start(), m.end(), m.group(1))]
            at = m.end()
            while (more := _MORE.match(text, at, s.end)) is not None:
                listed.append((more.start(1), more.end(), more.group(1)))
                at = more.end()
            for a, b, said in listed:
                drug = said.lower()
                code, title, why = _z79(f, drug)
                if code is None or code in seen:
                    continue
                seen.add(code)
                unit = Span(a, b, text[a:b])
                r = f.search(code, 1)[0]
                mention = Mention(a, b, text[a:b], r, s.name, s.rank, unit, (drug,), PRESENT)
                out.append(Candidate(code, title, mention, "present", why,
                                     ["I.C.21.c.3 long-term drug therapy Z79"]))
    return out


def _current(f: Finder, text: str, a: int, b: int, lo: int, hi: int) -> bool:
    """Is the drug at ``text[a:b]`` a current long-term therapy by its sentence: not negated
    or otherwise ruled out by a ConText trigger ('not on anticoagulants', 'previously on
    metformin'), and not a brief course ('prednisone 5 days', 'prednisone burst')?"""
    start = max((x.end() for x in _SENTENCE_END.finditer(text, lo, a)), default=lo)
    end = next((x.start() for x in _SENTENCE_END.finditer(text, b, hi)), hi)
    said = assertion(f.rules, text[start:end], a - start, b - start)
    return said.category == "present" and not _BRIEF.match(text, b, end)


def _z79(f: Finder, drug: str) -> tuple[str | None, str, str]:
    for r in f.search(f"long term use of {drug}", least=0.95):
        if r.code.startswith("Z79") and r.score >= 0.95 and r.code != "Z79.899":
            return r.code, r.title, r.matched.path
    row = f.kb.connection().execute(
        "SELECT cells FROM index_terms WHERE book='drug' AND key=? AND cells IS NOT NULL", (drug,)).fetchone()
    if row is None:
        return None, "", ""
    cells = json.loads(row[0])
    key = next((c.replace(".", "")[:4] for c in cells if c), "")
    code = _CLASS.get(key)
    if code is None:
        return None, "", ""
    c = f.kb.find(code)
    return code, c.title if c else "", f"Drug Table: {drug} ({key[:3]}.{key[3:]}) › long-term therapy class"
