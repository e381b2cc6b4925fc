"""Z codes a note states outright rather than as a diagnosis: weeks of gestation (Z3A, with any
pregnancy encounter: Guidelines I.C.15.b.? — Z3A is reported for the mother's record) and
status (a device in place, dependence on dialysis, a surgery status: Z95–Z99, I.C.21.c.3).

>>> from icdkit import KnowledgeBase
>>> from icdkit.notes.mentions import Finder
>>> from icdkit.notes.sections import split_sections
>>> t = "HPI: G2P1 at 28 weeks.\\nA/P: Insulin pump in place."
>>> [c.code for c in statuses(Finder(KnowledgeBase.open()), t, split_sections(t), set())]
['Z3A.28', 'Z96.41']
"""

from __future__ import annotations

import re

from icdkit.notes.context import PRESENT
from icdkit.notes.mentions import Finder, Mention
from icdkit.notes.sections import Section
from icdkit.notes.sentences import Span
from icdkit.notes.setting import Candidate
from icdkit.search.engine import Result

_PREGNANT = re.compile(r"\b(pregnan\w*|gestation\w*|G\d+\s*P\d+|IUP|EGA|prenatal|antenatal|trimester|"
                       r"fundal height|gravida)\b", re.IGNORECASE)
_WEEKS = re.compile(r"\b(?:(at|is)\s+)?(\d{1,2})(?:\s*\+\s*\d|\s+\d/7|\s*w\s*\d\s*d|w\b)?\s*"
                    r"(?:weeks?|wks?|wk)?\b(?!\s+(?:ago|later|postpartum))", re.IGNORECASE)
_STATUS = re.compile(r"\b([A-Za-z][A-Za-z -]{2,40}?)\s+(?:in place|status)\b"
                     r"|\bon\s+((?:hemo|peritoneal\s+)?dialysis)\b", re.IGNORECASE)
_FOLLOW_UP = re.compile(r"\b(?:follow[- ]?up|surveillance)\b[^.;\n]{0,60}?\b(?:after|following)\s+"
                        r"(?:completed|completion of|finished)\s+(?:\w+\s+){0,2}?(?:treatment|therapy)\b",
                        re.IGNORECASE)
_WHERE = frozenset({"assessment_plan", "hpi", "preamble", "chief_complaint"})
_LEAD = re.compile(r"^(?:\W|\d|and\b|with\b|the\b|a\b|an\b|\s)+", re.IGNORECASE)


def statuses(f: Finder, text: str, sections: list[Section], have: set[str], *, age: int | None = None,
             sex: str | None = None) -> list[Candidate]:
    """Z3A weeks of gestation in a pregnancy note (the mother's: not for a newborn or a male
    patient), a follow-up after completed treatment (Z08 / Z09) and status codes the assessment
    states."""
    out: list[Candidate] = []
    seen = set(have)
    body = [s for s in sections if s.name in _WHERE]
    if _PREGNANT.search(text) and sex != "M" and (age is None or age >= 10):
        for s in body:
            weeks = [m for m in _WEEKS.finditer(text, s.start, s.end) if _is_weeks(m)]
            m = next((w for w in weeks if w.group(1)), weeks[0] if weeks else None)  # 'at 28w2d' first
            if m is not None:
                r = _first(f, f"{int(m.group(2))} weeks gestation of pregnancy", ("Z3A",), 0.9)
                if r is not None and r.code not in seen:
                    seen.add(r.code)
                    out.append(_cand(r, m.start(), m.end(), text, s, "I.C.15 weeks of gestation (Z3A)"))
                break
    for s in body:
        if s.rank != 1:
            continue
        follow = _FOLLOW_UP.search(text, s.start, s.end)
        if follow is not None:
            # the encounter's reason (I.C.21.c.8): Z08 after a cancer's treatment (with its Z85
            # history code, as Z08's note asks), else Z09 (with the Z86/Z87 history code)
            cancer = any(h.startswith("Z85") for h in seen)
            r = _first(f, "follow-up examination after completed treatment for " +
                       ("malignant neoplasm" if cancer else "conditions other than malignant neoplasm"),
                       ("Z08", "Z09"), 0.8)
            if r is not None and r.code not in seen:
                seen.add(r.code)
                out.append(_cand(r, follow.start(), follow.end(), text, s,
                                 "I.C.21.c.8 follow-up after completed treatment"))
        for m in _STATUS.finditer(text, s.start, s.end):
            thing = _LEAD.sub("", m.group(1) or m.group(2) or "").strip()
            if not thing:
                continue
            for q in (f"presence of {thing}", f"{thing} status", f"dependence on {thing}"):
                r = _first(f, q, ("Z95", "Z96", "Z97", "Z98", "Z99"), 0.85)
                if r is not None:
                    if r.code not in seen:
                        seen.add(r.code)
                        a = m.start(1) if m.group(1) else m.start(2)
                        out.append(_cand(r, a, m.end(), text, s, "I.C.21.c.3 status Z codes"))
                    break
    return out


def _is_weeks(m: re.Match[str]) -> bool:
    said = m.group(0).lower()
    return 4 <= int(m.group(2)) <= 42 and ("w" in said[len(m.group(1) or ""):])


def _first(f: Finder, query: str, prefixes: tuple[str, ...], floor: float) -> Result | None:
    for r in f.search(query, least=floor):
        if r.code.startswith(prefixes) and r.score >= floor and r.billable:
            return r
    return None


def _cand(r: Result, a: int, b: int, text: str, s: Section, rule: str) -> Candidate:
    unit = Span(a, b, text[a:b])
    m = Mention(a, b, text[a:b], r, s.name, s.rank, unit, tuple(text[a:b].lower().split()), PRESENT)
    return Candidate(r.code, r.title, m, "present", r.matched.path, [rule])
