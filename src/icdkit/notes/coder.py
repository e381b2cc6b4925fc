"""Code a clinical note: sections → mentions → assertion → setting rules → specificity and
combinations → sequencing → the validator → documentation gaps.

Nothing of the note is logged, cached or written anywhere: the text lives in the call's local
variables only (the finder and checker kept per knowledge base hold release data, not notes).

>>> r = code_note("Assessment: 1. Type 2 diabetes with CKD stage 3a. 2. Denies chest pain.")
>>> r.code_list
['E11.22', 'N18.31']
>>> r.not_coded[0].reason.startswith("negated")
True
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import weakref
from collections.abc import Callable
from dataclasses import replace

from icdkit.errors import InvalidInput
from icdkit.kb import KnowledgeBase
from icdkit.notes.adverse import adverse_effects, effects_first
from icdkit.notes.anatomy import only_site, site_words
from icdkit.notes.asked import asked_for
from icdkit.notes.birth import birth_first, delivery_codes, newborn_codes
from icdkit.notes.context import denied_spans
from icdkit.notes.defaults import subterm_defaults
from icdkit.notes.diabetes import documented_type
from icdkit.notes.findings import with_findings
from icdkit.notes.gaps import gaps_for
from icdkit.notes.longterm import long_term
from icdkit.notes.mentions import _CUES, FILLER, Finder, Mention, find, note_scope
from icdkit.notes.mentions import _try as try_words
from icdkit.notes.organism import AGENTS, organisms_alone
from icdkit.notes.pregnancy import is_pregnancy, newborn_record, obstetric, trimester_of
from icdkit.notes.result import CodingResult, Evidence, Gap, NotCoded, SuggestedCode
from icdkit.notes.sections import split_sections
from icdkit.notes.sentences import units
from icdkit.notes.sepsis import underlying_sepsis
from icdkit.notes.sequela import sequelae
from icdkit.notes.setting import Candidate, decide
from icdkit.notes.specificity import (
    additional,
    combine,
    drop_excludes1,
    in_refs,
    note_refs,
    refine,
    sequence,
    with_symptoms,
)
from icdkit.notes.status import statuses
from icdkit.notes.underdosing import underdosing
from icdkit.rules.check import Checker, patient
from icdkit.vocabulary import STOP, stem
from icdkit.vocabulary import query_words as words

MAX_NOTE = 100_000  # characters
_SKIP = frozenset({"ros", "exam", "data", "medications", "allergies", "procedures", "follow_up"})
_ALWAYS = frozenset({"family_history", "social_history", "past_history"})
_WORTH = re.compile(r"\b(history|hx|h/o|s/p|status post|prior|previous|former|quit|remote|mother|father|"
                    r"sister|brother|family|smok\w*|cigar\w*|tobacco|vap\w*|ppd|pack|on)\b", re.IGNORECASE)
_ENCOUNTER = re.compile(r"\b(initial|subsequent|follow[- ]?up|sequela|routine healing|delayed healing|"
                        r"nonunion|malunion|cast check|recheck)\b", re.IGNORECASE)
_BIRTH = re.compile(r"\b(?:born|delivered|birth)\b[^.;\n]{0,60}", re.IGNORECASE)
_tools: weakref.WeakKeyDictionary[KnowledgeBase, tuple[Finder, Checker]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_default: list[KnowledgeBase] = []


def tools(kb: KnowledgeBase) -> tuple[Finder, Checker]:
    """The mention finder and the validator for *kb* (made once per knowledge base)."""
    with _lock:
        got = _tools.get(kb)
        if got is None:
            got = _tools[kb] = (Finder(kb), Checker(kb))
        return got


def warm(kb: KnowledgeBase) -> None:
    """Make *kb*'s note-coding tools and the tables the first note would build (a server's
    warm-up per release: a request then codes within its budget)."""
    tools(kb)[0].prepare()


def _kb(kb: KnowledgeBase | None) -> KnowledgeBase:
    if kb is not None:
        return kb
    if not _default:
        _default.append(KnowledgeBase.open())
    return _default[0]


def code_note(text: str, *, setting: str = "outpatient", date: dt.date | str | None = None,
              age: int | str | None = None, sex: str | None = None,
              kb: KnowledgeBase | None = None) -> CodingResult:
    """The codes a coder would assign from *text*, in guideline order, with evidence, the
    mentions not coded and why, the documentation gaps and the validator's findings."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("empty note: give the note's text (or at least its assessment)")
    if len(text) > MAX_NOTE:
        raise InvalidInput(f"note too long ({len(text)} characters; at most {MAX_NOTE})")
    age_, sex_, day, setting_ = patient(age, sex, date, setting or "outpatient")
    setting = setting_ or "outpatient"
    kb = _kb(kb)
    with note_scope():
        return _code(text, setting, day, age_, sex_, kb)


def _code(text: str, setting: str, day: dt.date | None, age_: int | None, sex_: str | None,
          kb: KnowledgeBase) -> CodingResult:
    finder, checker = tools(kb)
    sections = split_sections(text)
    has_assessment = any(s.rank == 1 for s in sections)
    mentions: list[Mention] = []
    for s in sections:
        if s.name in _SKIP:
            continue
        for u in units(text, s.start, s.end):
            if has_assessment and s.rank > 1 and s.name not in _ALWAYS and not _WORTH.search(u.text):
                continue  # not assessed, so not coded unless history, family or tobacco
            mentions.extend(find(finder, u.text, u.start, s.name, s.rank, u))
    mentions = _adjacent(finder, mentions)
    sites = site_words(kb)
    named_sites = [m for m in mentions if only_site(m.words, sites)]
    mentions = _with_sites(finder, [m for m in mentions if m not in named_sites], named_sites)
    mentions, late = sequelae(finder, mentions)
    cands, skipped = decide(finder, mentions, setting, has_assessment)
    skipped += late
    skipped += [NotCoded(m.text, m.start, m.end, "names a body site, not a condition (the Index is entered "
                         "by the condition: Guidelines I.A.12)", m.code) for m in named_sites]
    cands += long_term(finder, text, sections, {c.code for c in cands})
    cands += statuses(finder, text, sections, {c.code for c in cands}, age=age_, sex=sex_)
    cands += newborn_codes(finder, text, cands, age=age_, setting=setting)
    cands, later = _planned(cands)
    skipped += later
    cands, named_drugs = _drug_named_only(cands)
    skipped += named_drugs
    cands, in_place = _device_in_place(cands)
    skipped += in_place
    cands, mothers = newborn_record(cands, age_)
    skipped += mothers
    cands, later_life = _set_aside(cands, _perinatal(text, age_))
    skipped += later_life
    cands, obstetric_out = obstetric(finder, cands, age_, sex_)
    skipped += obstetric_out
    cands, delivered = delivery_codes(finder, text, cands, age=age_, sex=sex_, setting=setting)
    skipped += delivered
    trimester = trimester_of(text) if is_pregnancy(cands, age_, sex_) else None
    seventh: dict[int, bool] = {}
    for c in cands:
        # the words of the sentence or list item may say what the mention leaves out
        # ('Migraine without aura, intractable': the mention is 'Migraine without aura'), less
        # the words it negates ('not recurrent'); abbreviations read as their expansions
        unit = c.mention.unit.text
        spans = denied_spans(finder.rules, unit)
        said = "".join(" " if any(a <= i < b for a, b in spans) else ch for i, ch in enumerate(unit)) \
            if spans else unit
        context = [w for w in words(said) if w not in STOP and w not in FILLER]
        context += [x for w in context if len(w) <= 5 for v in finder.synonyms.variants([w])[1:] for x in v]
        denied = [w for a, b in spans for w in words(unit[a:b])]
        if c.code.startswith("Z38"):  # where and how the baby was born: said anywhere in the record
            context += [w for said in _BIRTH.findall(text) for w in words(said)]
        if trimester and c.code.startswith(("O", "Z34")) and "trimester" not in context:
            context += [trimester, "trimester"]  # from the weeks of gestation (chapter 15 note)
        code, meaning = refine(kb, c.code, list(c.mention.words) + context, said, denied=denied,
                               origin=_origin(c))
        if code != c.code:
            found = kb.find(code)
            if meaning:
                c.rules.append(meaning)
            else:
                c.rules.append(f"I.B.2 specificity: {c.code} refined to what the note documents")
            c.code, c.title = code, found.title if found else c.title
        if len(c.code.replace(".", "")) == 7 and kb.seventh_characters(c.code):
            # completed here or by search (which offers the initial encounter by default): was it said?
            seventh[id(c)] = bool(_ENCOUNTER.search(c.mention.unit.text))
    cands, vague = _less_specific(_merge(cands))
    skipped += vague
    cands, inner = _set_aside(cands, _within(cands))
    skipped += inner
    cands, absorbed = combine(finder, cands)
    skipped += absorbed
    cands, retyped = documented_type(finder, text, sections, mentions, cands)
    skipped += retyped
    cands, said_more = subterm_defaults(kb, cands)
    skipped += said_more
    if any(c.code.startswith("E10") for c in cands):  # type 1: insulin is the disease's own treatment
        cands = [c for c in cands if c.code != "Z79.4"]
    cands, causes = adverse_effects(finder, cands)
    skipped += causes
    cands, hardship = underdosing(finder, text, sections, cands)
    skipped += hardship
    cands, alone = organisms_alone(finder, cands)
    skipped += alone
    cands, organism = underlying_sepsis(finder, cands)
    skipped += organism
    for c in cands:
        if c.extra and any("I.A.15" in r for r in c.rules):
            # a combination joins two sentences' words: each may say what the code needs
            # ('… fracture of left femoral neck.' + 'Age-related osteoporosis.' → M80.052A)
            texts = list(dict.fromkeys(m.unit.text for m in [c.mention, *c.extra]))
            said = " ".join(texts)
            denied = [w for u in texts for a, b in denied_spans(finder.rules, u) for w in words(u[a:b])]
            ws = [w for w in words(said) if w not in STOP and w not in FILLER and w not in denied]
            code, meaning = refine(kb, c.code, list(c.mention.words) + ws, said, denied=denied, origin=c.code)
            if code != c.code:
                found = kb.find(code)
                c.rules.append(meaning or f"I.B.2 specificity: {c.code} refined to what the note documents")
                c.code, c.title = code, found.title if found else c.title
    cands, by_means = _set_aside(cands, _suicide_by_means(cands))
    skipped += by_means
    cands, integral = _integral(kb, with_symptoms(kb, _merge(asked_for(finder, additional(finder, cands)))))
    skipped += integral
    cands = birth_first(effects_first(sequence(kb, with_findings(kb, cands))))
    report = checker.check([c.code for c in cands], age=age_, sex=sex_, date=day, setting=setting) \
        if cands else None
    findings = [f.to_dict() for f in report.findings] if report else []
    cands, excluded = drop_excludes1(kb, cands, findings)
    if excluded:
        skipped += excluded
        report = checker.check([c.code for c in cands], age=age_, sex=sex_, date=day, setting=setting)
        findings = [f.to_dict() for f in report.findings]
    gaps: list[Gap] = []
    for c in cands:
        gaps += gaps_for(kb, c.code, seventh_stated=seventh.get(id(c), True), start=c.mention.start,
                         end=c.mention.end)
    return CodingResult(tuple(_suggest(c) for c in cands), tuple(sorted(skipped, key=lambda n: n.start)),
                        tuple(gaps), tuple(findings), kb.release, setting)


def _adjacent(finder: Finder, mentions: list[Mention]) -> list[Mention]:
    """Two mentions written side by side ('Iron deficiency' 'anemia') are one phrase when the
    search finds a code whose path or title names both: that code replaces the two (D50.9,
    not E61.1 + D64.9)."""
    out: list[Mention] = []
    for m in mentions:
        prev = out[-1] if out else None
        if prev is None or prev.unit.start != m.unit.start or prev.end > m.start \
                or m.unit.text[prev.end - m.unit.start:m.start - m.unit.start].strip() \
                or prev.assertion != m.assertion:
            out.append(m)
            continue
        toks = [(prev.start, prev.end, w) for w in prev.words] + [(m.start, m.end, w) for w in m.words]
        joined = try_words(finder, toks, m.unit, m.section, m.rank, [])
        if joined is None or joined.code in (prev.code, m.code):
            out.append(m)
            continue
        shown = {stem(w) for w in words(joined.result.matched.path + " " + joined.result.title)}
        if not all(shown & {stem(w) for w in x.words if w not in STOP} for x in (prev, m)):
            out.append(m)
            continue
        text = m.unit.text[prev.start - m.unit.start:m.end - m.unit.start]
        out[-1] = replace(joined, start=prev.start, end=m.end, text=text, assertion=prev.assertion)
    return out


_BETWEEN = re.compile(r"^[\s,;:(-]*$")


def _with_sites(finder: Finder, mentions: list[Mention], sites: list[Mention]) -> list[Mention]:
    """'Primary osteoarthritis, left hip': a site written after the condition it qualifies
    (only a comma between) is searched with it, and the code the two name together replaces
    the condition's alone when the search accounts for both (M19.91 → M16.12)."""
    out = []
    for m in mentions:
        site = next((s for s in sites if s.unit.start == m.unit.start and m.end <= s.start
                     and _BETWEEN.match(m.unit.text[m.end - m.unit.start:s.start - m.unit.start])), None)
        if site is None:
            out.append(m)
            continue
        toks = [(m.start, m.end, w) for w in m.words] + [(site.start, site.end, w) for w in site.words]
        joined = try_words(finder, toks, m.unit, m.section, m.rank, [])
        shown = {stem(w) for w in words(joined.result.matched.path + " " + joined.result.title)} \
            if joined is not None else set()
        if joined is None or joined.code == m.code or not shown & {stem(w) for w in site.words}:
            out.append(m)
            continue
        text = m.unit.text[m.start - m.unit.start:site.end - m.unit.start]
        out.append(replace(joined, start=m.start, end=site.end, text=text, assertion=m.assertion))
    return out


_ENCOUNTER_Z = ("Z00", "Z01", "Z02", "Z03", "Z04", "Z08", "Z09", "Z11", "Z12", "Z13", "Z30", "Z31", "Z40",
                "Z41", "Z42", "Z43", "Z44", "Z45", "Z46", "Z47", "Z48", "Z49", "Z51", "Z52", "Z53")
_LATER = re.compile(r"\b(?:in \d+\s*(?:-\s*\d+\s*)?(?:days?|weeks?|wks?|months?|years?)|due|"
                    r"next (?:visit|week|month|year|time)|at (?:the )?next|will (?:need|be|schedule))\b",
                    re.IGNORECASE)


def _set_aside(cands: list[Candidate], reason: Callable[[Candidate], str | None]
               ) -> tuple[list[Candidate], list[NotCoded]]:
    """The candidates kept, and those *reason* sets aside as not coded (with its reason)."""
    keep, out = [], []
    for c in cands:
        why = reason(c)
        if why is None:
            keep.append(c)
        else:
            out.append(NotCoded(c.mention.text, c.mention.start, c.mention.end, why, c.code))
    return keep, out


def _planned(cands: list[Candidate]) -> tuple[list[Candidate], list[NotCoded]]:
    """A service planned for later ('suture removal in 10 days', 'eye exam due') is not this
    encounter's reason: an encounter Z code (Z00–Z13, Z30–Z31, Z40–Z53) is left out when its
    sentence puts it in the future (Guidelines I.C.21.a: Z codes for the reason of the encounter)."""
    def reason(c: Candidate) -> str | None:
        if c.code.startswith(_ENCOUNTER_Z) and c.assertion == "present" \
                and _LATER.search(c.mention.unit.text[c.mention.start - c.mention.unit.start:]):
            return "a service planned for a later encounter, not this one's reason (Guidelines I.C.21.a)"
        return None
    return _set_aside(cands, reason)


_PERINATAL = re.compile(r"\b(?:newborn|neonat\w*|perinatal\w*|infant|birth|born|preterm|prematur\w*|"
                        r"gestation\w*|NICU|fetal|fetus|congenital)\b", re.IGNORECASE)


def _perinatal(text: str, age: int | None) -> Callable[[Candidate], str | None]:
    """A chapter 16 code (P00–P96) for a patient past infancy whose note says nothing of the
    perinatal period ('ischemic stroke' at 77 is not P91.821 'perinatal arterial'): the
    chapter is for conditions originating then (Guidelines I.C.16.a.4)."""
    said = bool(_PERINATAL.search(text))

    def reason(c: Candidate) -> str | None:
        if c.code.startswith("P") and not said and (age is None or age >= 1):
            return ("a perinatal condition (chapter 16) the note does not say began in the perinatal "
                    "period (Guidelines I.C.16.a.4)")
        return None
    return reason


def _within(cands: list[Candidate]) -> Callable[[Candidate], str | None]:
    """An unspecified code found from words inside the phrase another code was found from
    ('infection' in 'Urinary tract infection' → B99.9 beside N39.0) is that phrase's part, not
    a second condition (Guidelines I.B.2: the code for the whole phrase is the specific one)."""
    def reason(c: Candidate) -> str | None:
        m = c.mention
        if "unspecified" not in words(c.title) or c.extra:
            return None
        outer = next((o for o in cands if o is not c and o.assertion == c.assertion
                      and o.mention.unit.start == m.unit.start and o.mention.start <= m.start
                      and m.end <= o.mention.end
                      and (o.mention.start, o.mention.end) != (m.start, m.end)), None)
        return None if outer is None else f"part of the phrase coded as {outer.code} (Guidelines I.B.2)"
    return reason


def _drug_named_only(cands: list[Candidate]) -> tuple[list[Candidate], list[NotCoded]]:
    """A drug named in the plan ('continue ASA', 'start escitalopram 10 mg') is not a poisoning,
    an adverse effect or an underdosing: a T36–T65 code needs the note to say which (an intent
    word in its sentence: 'adverse effect', 'toxicity', 'overdose', 'induced'…; I.C.19.e.5)."""
    def reason(c: Candidate) -> str | None:
        if _POISONING.match(c.code) and not c.mention.cues and not set(words(c.mention.unit.text)) & _CUES:
            return ("a medication named, with no adverse effect, poisoning or underdosing "
                    "documented (Guidelines I.C.19.e.5)")
        return None
    return _set_aside(cands, reason)


_SITE_INJURY = re.compile(r"S|T(?:0\d|1[0-3]|14\.[0-8]|2\d|3[0-4])")


def _suicide_by_means(cands: list[Candidate]) -> Callable[[Candidate], str | None]:
    """'Suicide attempt' (T14.91) is the code for an attempt whose means the note does not give:
    the Index sends the attempt 'by poisoning' to the Table of Drugs and Chemicals and 'trauma'
    to the nature of injury by site (Index: Suicide, suicidal (attempted) T14.91 › by poisoning;
    › trauma). An intentional self-harm poisoning or an injury coded by site is the attempt."""
    means = next((c.code for c in cands if c.assertion == "present" and (
        (_POISONING.match(c.code) and "self-harm" in c.title) or _SITE_INJURY.match(c.code))), None)

    def reason(c: Candidate) -> str | None:
        if c.code.startswith("T14.91") and means is not None:
            return (f"the attempt's means is coded ({means}): the Index gives T14.91 only for an "
                    "attempt by unstated means (Suicide, suicidal › by poisoning: see Table of Drugs "
                    "and Chemicals; › trauma: see nature of injury by site)")
        return None
    return reason


def _device_in_place(cands: list[Candidate]) -> tuple[list[Candidate], list[NotCoded]]:
    """'Insulin pump in place' is the device's status (Z96.41), not a complication of it: a
    complication code (T82–T85) found inside a status code's words is left out (I.C.21.c.3)."""
    spans = [(c.mention.start, c.mention.end, c.code) for c in cands
             if c.code.startswith(("Z95", "Z96", "Z97", "Z98", "Z99"))]

    def reason(c: Candidate) -> str | None:
        status = next((z for a, b, z in spans if a <= c.mention.start and c.mention.end <= b), None)
        if status is not None and c.code.startswith(("T82", "T83", "T84", "T85")):
            return (f"the device is documented in place ({status}), no complication of it "
                    "(Guidelines I.C.21.c.3)")
        return None
    return _set_aside(cands, reason)


def _origin(c: Candidate) -> str | None:
    """The code the Index path or Table cell itself named, below which the search chose
    children by default (None for a title match: every level of a title is checked)."""
    r = c.mention.result
    if c.code != r.code:
        return c.code  # a history or family code: nothing chosen by default
    if r.matched.via == "title":
        return None
    return r.matched.refined_from or r.code


def _integral(kb: KnowledgeBase, cands: list[Candidate]) -> tuple[list[Candidate], list[NotCoded]]:
    """Signs and symptoms (chapter 18) in the same sentence as a definitive diagnosis coded
    from it are integral to it and not coded (Guidelines I.B.5, IV.D) — unless the Tabular asks
    for them: a code's *Use additional code* note names the symptom (N40.1 → nocturia R35.1), or
    the symptom code carries a *Code first* note of its own, being meant to sit beside its
    cause (R65.20 severe sepsis: code first the underlying infection)."""
    definite = {(c.mention.unit.start, c.mention.section) for c in cands
                if c.assertion in ("present", "uncertain") and not c.code.startswith("R")
                and not _POISONING.match(c.code)  # a poisoning's manifestations are coded (I.C.19.e.5)
                and not c.code.startswith(AGENTS)}  # an organism is no diagnosis ('MSSA bacteremia')
    keep, out = [], []
    for c in cands:
        if c.code.startswith("R") and (c.mention.unit.start, c.mention.section) in definite:
            asked = next((o.code for o in cands if o is not c
                          and in_refs(c.code, note_refs(kb, o.code, "use_additional"))), None)
            if asked is not None:
                c.rules.append(f"I.A.13 use additional code (note at {asked})")
                keep.append(c)
                continue
            if kb.effective_notes(c.code, kinds=["code_first"]):
                c.rules.append(f"I.A.13 code first the underlying condition (note at {c.code})")
                keep.append(c)
                continue
            out.append(NotCoded(c.mention.text, c.mention.start, c.mention.end,
                                "a sign or symptom integral to the diagnosis documented with it "
                                "(Guidelines I.B.5)", c.code))
        else:
            keep.append(c)
    return keep, out


_POISONING = re.compile(r"T(3[6-9]|[45]\d|6[0-5])")
_DEFAULT = re.compile(r"\bunspecified\b|\bwithout complications\b", re.IGNORECASE)


def _less_specific(cands: list[Candidate]) -> tuple[list[Candidate], list[NotCoded]]:
    """Of two codes of one category, the unspecified one (E11.9 beside E11.22; F17.200 beside
    F17.210) is left out: the note says more (Guidelines I.B.2, code to the highest specificity)."""
    keep, out = [], []
    for c in cands:
        better = next((o for o in cands if o is not c and o.code[:3] == c.code[:3]
                       and not _DEFAULT.search(o.title) and o.assertion == c.assertion), None)
        if better is not None and _DEFAULT.search(c.title):
            better.extra.append(c.mention)
            out.append(NotCoded(c.mention.text, c.mention.start, c.mention.end,
                                f"less specific than {better.code}, which the note supports", c.code))
        else:
            keep.append(c)
    return keep, out


def _merge(cands: list[Candidate]) -> list[Candidate]:
    """One candidate per code, the evidence of every mention kept."""
    by: dict[str, Candidate] = {}
    for c in cands:
        first = by.get(c.code)
        if first is None:
            by[c.code] = c
        elif c.mention.rank < first.mention.rank:  # assessment evidence leads
            c.extra.append(first.mention)
            c.extra += first.extra
            by[c.code] = c
        else:
            first.extra.append(c.mention)
            first.extra += c.extra
    return list(by.values())


def _suggest(c: Candidate) -> SuggestedCode:
    seen: set[tuple[int, int]] = set()
    ev = []
    for m in [c.mention, *c.extra]:
        if (m.start, m.end) not in seen and m.end > m.start:
            seen.add((m.start, m.end))
            ev.append(Evidence(m.start, m.end, m.text))
    return SuggestedCode(c.code, c.title, tuple(ev), c.assertion, c.why, c.trigger, c.mention.section,
                         tuple(dict.fromkeys(c.rules)))



