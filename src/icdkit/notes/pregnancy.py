"""Pregnancy: chapter 15 codes first (Guidelines I.C.15.a.1), the trimester from the note.

* A condition of a pregnant patient is coded in chapter 15 unless the provider says the
  pregnancy is incidental: the Index's ``Pregnancy, complicated by`` subterm names the code
  (cystitis → O23.1-, anemia → O99.01-). The chapter 15 code is sequenced first; the other
  chapter's code stays only when the chapter 15 code's *Use additional code* note asks for it
  (O99.0: 'to identify specific condition'), else the chapter 15 code includes it.
* The trimester is the one the note names, else the one the weeks of gestation fall in (the
  chapter 15 note: first < 14 weeks 0 days; second 14 weeks 0 days to < 28 weeks 0 days; third
  28 weeks 0 days until delivery).
* 'Pregnancy complicated NOS' (O26.9-) is left out beside a specific chapter 15 code, and a
  mention made only of trimester words ('second trimester') qualifies a code, it is not one.

A pregnancy note is one with weeks of gestation (Z3A) or a chapter 15 code already found.

>>> trimester_of("G2P1 at 30w4d, fatigue.")
'third'
>>> trimester_of("A/P: Cystitis in pregnancy, second trimester. HPI: at 30 weeks")
'second'
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from icdkit.notes.inclusion import narrowest
from icdkit.notes.mentions import Finder
from icdkit.notes.result import NotCoded
from icdkit.notes.setting import Candidate
from icdkit.notes.specificity import in_refs
from icdkit.refs import parse_refs
from icdkit.search.engine import Result
from icdkit.vocabulary import STOP, stem
from icdkit.vocabulary import query_words as words

if TYPE_CHECKING:
    from icdkit.kb import KnowledgeBase
    from icdkit.models import Code

_NAMED = re.compile(r"\b(first|second|third|1st|2nd|3rd)\s+trimester\b", re.IGNORECASE)
_ORDINAL = {"1st": "first", "2nd": "second", "3rd": "third"}
_GESTATION = re.compile(r"\b(\d{1,2})\s*(?:w(?:ee)?ks?\b|w\s*\d\s*d\b|w\b|\+\s*\d|\s+\d/7)", re.IGNORECASE)
_TRIMESTER_WORDS = frozenset({"first", "second", "third", "1st", "2nd", "3rd", "trimester", "trimesters"})
_NOT_CONDITIONS = ("O", "Z3", "Z0", "Z1", "Z2", "Z4", "Z5", "Z6", "Z7", "Z8", "Z9")
_COMPLICATED = "Pregnancy › complicated by › "
_RANGED = ("O10", "O98", "O99", "O9A")  # categories whose codes take whole ranges of other chapters
_PUERPERIUM = re.compile(r"\b(puerper\w*|postpartum|post-partum)\b", re.IGNORECASE)
_SPECIFIC = re.compile(r"\b(specific|the) (condition|disease|disorder)", re.IGNORECASE)


def trimester_of(text: str) -> str | None:
    """The trimester the note names, else the one its first weeks of gestation fall in."""
    named = _NAMED.search(text)
    if named:
        w = named.group(1).lower()
        return _ORDINAL.get(w, w)
    for m in _GESTATION.finditer(text):
        weeks = int(m.group(1))
        if 4 <= weeks <= 42:
            return "first" if weeks < 14 else "second" if weeks < 28 else "third"
    return None


def is_pregnancy(cands: list[Candidate], age: int | None = None, sex: str | None = None) -> bool:
    """Is the note the pregnant patient's (weeks of gestation, supervision of pregnancy or a
    chapter 15 code; not a male's, a child's or a newborn's record, Z38)?"""
    if sex == "M" or (age is not None and age < 10) or any(c.code.startswith("Z38") for c in cands):
        return False
    return any(c.code.startswith(("Z3A", "Z34")) or (c.code.startswith("O") and c.assertion == "present")
               for c in cands)


def obstetric(f: Finder, cands: list[Candidate], age: int | None = None, sex: str | None = None
              ) -> tuple[list[Candidate], list[NotCoded]]:
    """Chapter 15 codes for the conditions of a pregnancy note (see the module docstring)."""
    if not is_pregnancy(cands, age, sex) or any(_PUERPERIUM.search(c.mention.unit.text) for c in cands):
        return cands, []  # after the delivery: the puerperium's own codes, not 'complicating pregnancy'
    out: list[Candidate] = []
    dropped: list[NotCoded] = []
    have = {c.code[:5] for c in cands}
    for c in cands:
        m = c.mention
        if c.code.startswith("O") and set(m.words) <= _TRIMESTER_WORDS | STOP:
            dropped.append(NotCoded(m.text, m.start, m.end, "a trimester qualifies a pregnancy code; it is "
                                    "not one", c.code))
            continue
        if c.assertion not in ("present", "uncertain") or c.code.startswith(_NOT_CONDITIONS):
            out.append(c)
            continue
        r = _complicating(f, m.words, c.title)
        if r is not None:
            code, title, why = r.code, r.title, f"{r.matched.path} (the condition {c.code} in a pregnancy)"
        else:
            ranged = _in_range(f.kb, c.code)
            if ranged is None:
                out.append(c)
                continue
            code, title, why = ranged
        if code[:5] in have:
            out.append(c)
            continue
        have.add(code[:5])
        out.append(Candidate(code, title, m, c.assertion, why, ["I.C.15.a.1 chapter 15 codes first"],
                             billable=_billable(f.kb, code)))
        asked = [n for n in f.kb.effective_notes(code, kinds=["use_additional"])
                 if _SPECIFIC.search(n.text) or in_refs(c.code, n.refs)
                 or in_refs(c.code, parse_refs(n.text, bare=True))]  # 'code from category E10 …'
        if asked:
            c.rules.append(f"I.C.15.a.1 use additional code (note at {asked[0].source})")
            out.append(c)
        else:
            dropped.append(NotCoded(m.text, m.start, m.end, f"included in the chapter 15 code {code} "
                                    "(Guidelines I.C.15.a.1)", c.code))
    specific = [c for c in out if c.code.startswith("O") and not c.code.startswith("O26.9")]
    if specific:
        vague = [c for c in out if c.code.startswith("O26.9")]
        dropped += [NotCoded(c.mention.text, c.mention.start, c.mention.end,
                             f"pregnancy complicated NOS, beside {specific[0].code}", c.code) for c in vague]
        out = [c for c in out if c not in vague]
    return out, dropped


def _billable(kb: KnowledgeBase, code: str) -> bool:
    found = kb.find(code)
    return bool(found and found.billable)


def _in_range(kb: KnowledgeBase, code: str) -> tuple[str, str, str] | None:
    """The chapter 15 code whose inclusion term 'Conditions in …' holds *code* (J45.30 → O99.5),
    down to its 'complicating pregnancy' child (the trimester is refined later)."""
    hit = narrowest(kb, _RANGED, code)
    if hit is None:
        return None
    c, text = hit
    why = f"{c.code} '{text}' ({code} in a pregnancy)"
    while not c.billable:
        kids = kb.children(c.code)
        if not kids:
            return None
        def rank(k: Code) -> int:
            ws = set(words(k.title))
            return 2 * ("pregnancy" in ws and not {"childbirth", "puerperium"} & ws) \
                + ("unspecified" in ws) + ("other" in ws)
        c = max(kids, key=lambda k: (rank(k), -kids.index(k)))
        why += f" › {c.code}"
    return c.code, c.title, why


def _complicating(f: Finder, said: tuple[str, ...], title: str) -> Result | None:
    """The Index's 'Pregnancy, complicated by' entry for the condition the words name: of the
    entries whose first subterm the condition names, the one whose path the note says most of
    ('type 1 diabetes' → '… › diabetes › pre-existing › type 1', not '… › gestational')."""
    own = {stem(w) for w in (*said, *words(title)) if w not in STOP}
    heads = [w for w in said if stem(w) in f.anchors and w not in STOP]  # the Index main terms said
    best: tuple[float, float, Result] | None = None
    for query in dict.fromkeys((" ".join(said), title, *heads)):
        for r in f.search("pregnancy complicated by " + query, least=0.6):
            if not r.code.startswith("O") or not r.matched.path.startswith(_COMPLICATED) or r.score < 0.6:
                continue
            subs = r.matched.path[len(_COMPLICATED):].split(" → ")[0].split(" › ")
            if not {stem(w) for w in words(subs[0]) if w not in STOP} & own:
                continue
            path = {stem(w) for p in subs for w in words(p) if w not in STOP}
            said_share = len(path & own) / len(path) if path else 0.0
            if best is None or (said_share, r.score) > best[:2]:
                best = (said_share, r.score, r)
    return best[2] if best else None


_FAMILY = ("Z80", "Z81", "Z82", "Z83", "Z84")
_MOTHER = frozenset({"mother", "mom", "maternal", "in mother", "in her mother", "in his mother"})


def newborn_record(cands: list[Candidate], age: int | None = None) -> tuple[list[Candidate], list[NotCoded]]:
    """On a newborn's record (a Z38 birth code, or age 0 with a perinatal code) chapter 15 codes
    are not used: they are the mother's (Guidelines I.C.15.a: 'never on the record of the
    newborn'). 'Born by vaginal delivery' is how the baby came, not the mother's condition."""
    births = [c for c in cands if c.code.startswith("Z38")]
    mother = (age is not None and age >= 10) or (age is None and any(
        c.code.startswith(("O", "Z3A")) and c.assertion == "present" for c in cands))
    if births and mother:  # the mother's delivery record: the baby's birth code is the baby's
        return [c for c in cands if c not in births], [
            NotCoded(c.mention.text, c.mention.start, c.mention.end, "the newborn's birth code belongs on "
                     "the baby's record, not the mother's (Guidelines I.C.16.a.1)", c.code) for c in births]
    newborn = bool(births) or (age == 0 and any(c.code.startswith("P") for c in cands))
    if not newborn:
        return cands, []
    out = [NotCoded(c.mention.text, c.mention.start, c.mention.end, "a chapter 15 code belongs on the "
                    "mother's record, never the newborn's (Guidelines I.C.15.a)", c.code)
           for c in cands if c.code.startswith("O")]
    # the mother's condition in this pregnancy is a maternal factor of the newborn, coded P00–P04
    # only when it affects the baby (Tabular note at P00-P04), not a family history (Z80–Z84)
    maternal = [c for c in cands if c.assertion == "family" and c.code.startswith(_FAMILY)
                and (c.trigger or "").lower() in _MOTHER]
    out += [NotCoded(c.mention.text, c.mention.start, c.mention.end, "the mother's condition on the "
                     "newborn's record is a maternal factor (P00–P04, when it affects the newborn: "
                     "Tabular note at P00-P04), not a family history", c.code) for c in maternal]
    return [c for c in cands if not c.code.startswith("O") and c not in maternal], out
