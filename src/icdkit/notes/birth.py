"""Birth and delivery: the codes a birth record and a delivery record carry by the guidelines'
own rules, read from what the note states of the birth rather than from a diagnosis phrase.

* The newborn's birth record (Guidelines I.C.16.a.2): a Z38 code, by place of birth and type
  of delivery as the Index words them ('Newborn › born in hospital › by cesarean' → Z38.01),
  sequenced first; only at the birth episode (an inpatient stay, not a transfer in).
* Prematurity and low birth weight (I.C.16.d): once prematurity or low birth weight is
  documented, the P07 codes follow the recorded birth weight and gestational age ('2,150 g',
  '34 weeks 2 days' → P07.18, P07.37), the weight's code first (the note at P07).
* Delivery (I.C.15.b.5): a maternal record where a delivery occurred carries its outcome, Z37
  ('Outcome of delivery › single › liveborn' → Z37.0); O80 first when the delivery is full-term,
  single, live-born and vaginal with no chapter 15 code beside it (I.C.15.b.4).

>>> from icdkit.notes import code_note
>>> code_note("NEWBORN DISCHARGE SUMMARY\\nInfant born at 34 weeks by cesarean section in this "
...           "hospital. Birth weight 2,150 g.\\nDiagnoses: Preterm infant, low birth weight.",
...           setting="inpatient", age=0).code_list
['Z38.01', 'P07.18', 'P07.37']
"""

from __future__ import annotations

import re
from dataclasses import replace

from icdkit.notes.context import PRESENT, assertion
from icdkit.notes.mentions import Finder, Mention
from icdkit.notes.result import NotCoded
from icdkit.notes.sentences import Span
from icdkit.notes.setting import Candidate
from icdkit.search.engine import Result
from icdkit.vocabulary import STOP
from icdkit.vocabulary import query_words as words

_NEWBORN = re.compile(r"\b(?:newborn|neonat\w*|infant|baby (?:girl|boy)|(?:male|female) baby)\b",
                      re.IGNORECASE)
# the mother's record speaks of the infant too: her obstetric history, labour or delivery
_MATERNAL = re.compile(r"\bG\d+\s*P\d|\bgravida\b|\bpostpartum\b|\bpost-partum\b|\bL&D\b|\bin labou?r\b|"
                       r"\b(?:she|patient|pt) (?:delivered|gave birth)\b|\bdelivered (?:a|an|her|twins?)\b",
                       re.IGNORECASE)
_BORN = re.compile(r"\bborn\b|\bdelivered\b|\bbirth\b", re.IGNORECASE)
_TRANSFER_IN = re.compile(r"\btransferred\s+(?:in\s+)?from\b|\btransfer\s+from\b|\boutborn\b", re.IGNORECASE)
_TWIN = re.compile(r"\btwins?\b|\b(?:di|mono)-?(?:di|mo)\b", re.IGNORECASE)
_MULTIPLE = re.compile(r"\b(?:triplets?|quadruplets?|multiple (?:gestation|birth)s?)\b", re.IGNORECASE)
_OUTSIDE = re.compile(r"\bborn\b[^.;\n]{0,60}?\b(?:at home|outside|en route|in (?:the|a) (?:car|ambulance)|"
                      r"(?:prior to|before) arrival)\b|\bhome birth\b|\bBBA\b", re.IGNORECASE)
_INSIDE = re.compile(r"\b(?:in|at) (?:this|our|the) (?:hospital|facility|institution)\b|\binborn\b|"
                     r"\bborn here\b", re.IGNORECASE)
_CESAREAN = re.compile(r"\bcesarean\b|\bcaesarean\b|\bc-?section\b|\bC/S\b|\bLTCS\b", re.IGNORECASE)
_PREMATURE = re.compile(r"\b(?:preterm|premature|prematurity|immaturity|low birth ?weight|LBW|VLBW|ELBW)\b",
                        re.IGNORECASE)
_WEIGHED = r"\b(?:birth ?weight|BW|weigh\w*)\b[^.;\n\d]{0,20}?"
_GRAMS = re.compile(_WEIGHED + r"(\d{1,2},\d{3}|\d{3,4})\s*(?:g|gm|grams?)\b|"
                    + _WEIGHED + r"(\d(?:\.\d{1,3})?)\s*kg\b", re.IGNORECASE)
_WEEKS = re.compile(r"\b(\d{2})\s*(?:\+\s*\d|\s+\d/7|w\s*\d\s*d\b|w\b|(?:completed\s+)?(?:weeks?|wks?)\b)",
                    re.IGNORECASE)
_GESTATIONAL = re.compile(r"gestation|\bGA\b|\bEGA\b|completed|born at|preterm|premature|"
                          r"\d\s*d\b|\d/7|\+\s*\d", re.IGNORECASE)
_RANGE = re.compile(r"(\d+)-(\d+) grams|less than (\d+) grams|gestational age (\d+) completed weeks|"
                    r"less than (\d+) completed weeks", re.IGNORECASE)
_DELIVERED = re.compile(r"\b(?:delivered|gave birth|(?:vaginal|cesarean|caesarean|spontaneous|operative|"
                        r"forceps|vacuum|breech|repeat)\s+(?:delivery|birth|section)|N?SVD|c-?section|LTCS)\b",
                        re.IGNORECASE)
_UNDELIVERED = re.compile(r"\bundelivered\b|\bnot (?:yet )?delivered\b|\bantepartum\b", re.IGNORECASE)
_STILL = re.compile(r"\bstill-?(?:born|birth)\b|\bIUFD\b|\bfetal (?:demise|death)\b", re.IGNORECASE)
_ASSISTED = re.compile(r"\b(?:forceps|vacuum|breech|version|manipulation|instrument\w*)\b", re.IGNORECASE)
_TERM = re.compile(r"(?<![-\w])(?:full[- ])?term\b", re.IGNORECASE)
# a mention naming only the delivery and how it went ('vaginal delivery'), not a complication of it
_MODE = frozenset({"normal", "spontaneous", "vaginal", "vaginally", "delivery", "delivered", "term", "full",
                   "uncomplicated", "svd", "nsvd", "single", "singleton", "liveborn", "live", "born",
                   "vertex", "cephalic", "labor", "birth"})
_SENTENCE_END = re.compile(r"\.(?=\s|$)|[;\n]")


def _sentence(text: str, a: int, b: int) -> tuple[int, int]:
    start = max((x.end() for x in _SENTENCE_END.finditer(text, 0, a)), default=0)
    end = next((x.start() for x in _SENTENCE_END.finditer(text, b)), len(text))
    return start, end


def _said(f: Finder, text: str, m: re.Match[str]) -> bool:
    """Is the match asserted as present by its sentence (not negated, not hypothetical)?"""
    start, end = _sentence(text, m.start(), m.end())
    return assertion(f.rules, text[start:end], m.start() - start, m.end() - start).category == "present"


def _first(f: Finder, query: str, prefix: str, floor: float = 0.8) -> Result | None:
    return next((r for r in f.search(query, least=floor)
                 if r.code.startswith(prefix) and r.score >= floor and r.billable), None)


def _cand(r: Result, text: str, a: int, b: int, rule: str, why: str | None = None) -> Candidate:
    start, end = _sentence(text, a, b)
    unit = Span(start, end, text[start:end])
    m = Mention(a, b, text[a:b], r, "assessment_plan", 1, unit, tuple(words(text[a:b])), PRESENT)
    return Candidate(r.code, r.title, m, "present", why or r.matched.path, [rule])


def is_newborn(text: str, age: int | None) -> bool:
    """Is the note a newborn's record (age 0, or no age and the note speaks of a newborn)?"""
    return age == 0 or (age is None and bool(_NEWBORN.search(text)) and bool(_BORN.search(text))
                        and not _MATERNAL.search(text))


def newborn_codes(f: Finder, text: str, cands: list[Candidate], *, age: int | None, setting: str
                  ) -> list[Candidate]:
    """The birth record's Z38 code and the P07 codes by weight and age (see the module)."""
    if not is_newborn(text, age):
        return []
    have = {c.code for c in cands}
    out: list[Candidate] = []
    born = next((m for m in _BORN.finditer(text) if _said(f, text, m)), None)
    if born is not None and setting == "inpatient" and not _TRANSFER_IN.search(text) \
            and not any(c.startswith("Z38") for c in have):
        query = ["newborn"]
        query += ["twin"] if _TWIN.search(text) else ["multiple born"] if _MULTIPLE.search(text) else []
        if _OUTSIDE.search(text):
            query.append("born outside hospital")
        elif _INSIDE.search(text) or _CESAREAN.search(text):
            query.append("born in hospital")
            if _CESAREAN.search(text):
                query.append("by cesarean")
        r = _first(f, " ".join(query), "Z38")
        if r is not None:
            out.append(_cand(r, text, born.start(), born.end(), "I.C.16.a.2 birth record: Z38 first"))
    premature = next((m for m in _PREMATURE.finditer(text) if _said(f, text, m)), None)
    if premature is None:
        return out
    grams = _GRAMS.search(text)
    if grams is not None:
        weight = int(grams.group(1).replace(",", "")) if grams.group(1) \
            else round(float(grams.group(2)) * 1000)
        hit = _by_number(f, ("low birthweight extreme", "low birthweight"), weight)
        if hit is not None and hit.code not in have:
            out.append(_cand(hit, text, grams.start(), grams.end(),
                             "I.C.16.d birth weight (P07, weight first)",
                             f"{hit.matched.path} › {hit.title} (recorded birth weight {weight} g)"))
    weeks = next((m for m in _WEEKS.finditer(text) if 20 <= int(m.group(1)) <= 44
                  and _GESTATIONAL.search(text[max(0, m.start() - 25):m.end() + 25])), None)
    if weeks is not None and int(weeks.group(1)) < 37:
        n = int(weeks.group(1))
        hit = _by_number(f, ("immaturity extreme newborn", "preterm newborn"), n)
        if hit is not None and hit.code not in have:
            out.append(_cand(hit, text, weeks.start(), weeks.end(), "I.C.16.d gestational age (P07)",
                             f"{hit.matched.path} › {hit.title} ({n} completed weeks)"))
    return out


def _by_number(f: Finder, queries: tuple[str, ...], value: int) -> Result | None:
    """Of the codes under the categories the Index gives for *queries* (P07.0, P07.1 …), the
    one whose Tabular title's range holds *value* ('2000-2499 grams', '34 completed weeks')."""
    for q in queries:
        r = _first(f, q, "P07", 0.9)
        if r is None:
            continue
        parent = r.code[:-1] if len(r.code) > 5 else r.code
        for k in f.kb.children(parent):
            m = _RANGE.search(k.title)
            if m is None or not k.billable:
                continue
            lo, hi, below, exact, under = m.groups()
            if (lo and int(lo) <= value <= int(hi)) or (below and value < int(below)) \
                    or (exact and value == int(exact)) or (under and value < int(under)):
                return replace(r, code=k.code, title=k.title, billable=True, children=())
    return None


def delivery_codes(f: Finder, text: str, cands: list[Candidate], *, age: int | None, sex: str | None,
                   setting: str) -> tuple[list[Candidate], list[NotCoded]]:
    """On a maternal record where a delivery occurred: the outcome Z37, O80 for a full-term
    uncomplicated single live-born vaginal delivery, and the mentions that name only the
    delivery left out (see the module)."""
    if sex == "M" or (age is not None and age < 10) or setting != "inpatient" or is_newborn(text, age) \
            or _UNDELIVERED.search(text) or any(c.code.startswith("Z38") for c in cands):
        return cands, []
    done = next((m for m in _DELIVERED.finditer(text) if _said(f, text, m)), None)
    if done is None:
        return cands, []
    keep, out = [], []
    for c in cands:
        ws = {w for w in c.mention.words if w not in STOP}
        if c.code.startswith("O") and c.assertion == "present" and ws and ws <= _MODE:
            out.append(NotCoded(c.mention.text, c.mention.start, c.mention.end, "names the delivery itself, "
                                "not a complication of it (Guidelines I.C.15.b.4, I.C.15.b.5)", c.code))
        else:
            keep.append(c)
    add: list[Candidate] = []
    outcome = next((c for c in keep if c.code.startswith("Z37")), None)
    if outcome is None:
        count = "twins" if _TWIN.search(text) else "multiple births" if _MULTIPLE.search(text) else "single"
        still = next((m for m in _STILL.finditer(text) if _said(f, text, m)), None)
        r = _first(f, f"outcome of delivery {count} {'stillborn' if still else 'liveborn'}", "Z37")
        if r is not None:
            outcome = _cand(r, text, done.start(), done.end(), "I.C.15.b.5 outcome of delivery (Z37)")
            add.append(outcome)
    if outcome is not None and outcome.code == "Z37.0" and _full_term(text) and not _CESAREAN.search(text) \
            and not _ASSISTED.search(text) \
            and not any(c.code.startswith("O") and c.assertion in ("present", "uncertain") for c in keep):
        r = _first(f, "encounter for full-term uncomplicated delivery", "O80")
        if r is not None:
            add.insert(0, _cand(r, text, done.start(), done.end(), "I.C.15.b.4 full-term uncomplicated "
                                "delivery: O80 first, with no other chapter 15 code"))
    return keep + add, out


def _full_term(text: str) -> bool:
    """37 to 40 completed weeks (past 40 is post-term, O48), else 'term' said and no weeks."""
    weeks = [int(m.group(1)) for m in _WEEKS.finditer(text) if 20 <= int(m.group(1)) <= 44]
    if weeks:
        return 37 <= weeks[0] <= 40
    return bool(_TERM.search(text))


def birth_first(cands: list[Candidate]) -> list[Candidate]:
    """Z38 on the birth record and O80 on the delivery record first (I.C.16.a.2, I.C.15.b.4), and
    the birth weight's P07 code before the gestational age's (I.C.16.d)."""
    first = [c for c in cands if c.code.startswith(("Z38", "O80"))]
    weight = [c for c in cands if c.code.startswith(("P07.0", "P07.1"))]
    age = [c for c in cands if c.code.startswith(("P07.2", "P07.3"))]
    rest = [c for c in cands if c not in first]
    if weight and age:
        rest = [c for c in rest if c not in weight]
        at = rest.index(age[0])
        rest[at:at] = weight
    return first + rest
