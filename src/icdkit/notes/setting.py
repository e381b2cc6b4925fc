"""The Official Guidelines' rules for what is coded from a mention, by assertion and setting.

* negated or hypothetical → not coded (a condition documented as absent, or only to watch for,
  does not exist at the encounter: Section IV.J / III: code the conditions that exist);
* family → the family-history code, Z80–Z84 (Section I.C.21.c.4, history codes);
* uncertain (probable, suspected, rule out…) → outpatient: not coded, the documented signs and
  symptoms are (Section IV.H, IV.D); inpatient, at discharge: coded as if established (II.H, III.C);
* historical (history of, s/p) of a condition that no longer exists → the personal-history
  code, Z85–Z87 (I.C.21.c.4); a former smoker → Z87.891; a current one → F17.2- (I.C.5.b);
* where the note has an assessment, only what the provider assessed is coded (IV.J); review of
  systems and exam findings not carried into it are not.

>>> from icdkit import KnowledgeBase
>>> from icdkit.notes.mentions import Finder, find
>>> f = Finder(KnowledgeBase.open())
>>> ms = find(f, "Mother had breast cancer.", 0, "family_history", 3)
>>> [c.code for c in decide(f, ms, "outpatient", True)[0]]
['Z80.3']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from icdkit.notes.inclusion import narrowest
from icdkit.notes.mentions import Finder, Mention
from icdkit.notes.result import NotCoded
from icdkit.search.engine import Result
from icdkit.vocabulary import STOP, stem
from icdkit.vocabulary import query_words as words

if TYPE_CHECKING:
    from icdkit.kb import KnowledgeBase

_HISTORY_SECTIONS = frozenset({"past_history", "hpi", "preamble", "assessment_plan", "chief_complaint",
                               "social_history"})
_FAMILY_SECTIONS = frozenset({"family_history", "hpi", "preamble", "assessment_plan", "past_history",
                              "social_history"})
_TOBACCO = ("F17.2", "Z72.0", "Z87.891")
# conditions that are episodes, over once treated: their history is never the condition itself
_EPISODES = ("A", "B", "C", "I21", "I22", "I26", "I60", "I61", "I62", "I63", "I64", "J1", "K35", "N17", "O",
             "S", "T")
_RESOLVED = frozenset({"resolved", "has resolved", "now resolved"})
_PERSONAL = ("Z85", "Z86", "Z87", "Z92", "I25.2")
_HISTORY_WORDS = {stem(w) for w in ("family", "personal", "history", "of", "long", "term", "use")}
_FAMILY = ("Z80", "Z81", "Z82", "Z83", "Z84")


@dataclass(slots=True)
class Candidate:
    """A code on its way to the result (specificity, combination and sequencing change it)."""

    code: str
    title: str
    mention: Mention
    assertion: str
    why: str
    rules: list[str] = field(default_factory=list)
    extra: list[Mention] = field(default_factory=list)  # more evidence for the same code
    billable: bool = True

    @property
    def trigger(self) -> str | None:
        return self.mention.assertion.trigger


def _codable(m: Mention, has_assessment: bool) -> bool:
    return m.rank == 1 if has_assessment else m.rank <= 2


def _not(m: Mention, reason: str) -> NotCoded:
    return NotCoded(m.text, m.start, m.end, reason, m.code, m.assertion.trigger)


def _ask(f: Finder, query: str, prefixes: tuple[str, ...], floor: float) -> Result | None:
    """The first result of *query* in *prefixes* that names one of the condition's own words."""
    own = {stem(w) for w in words(query) if w not in STOP} - _HISTORY_WORDS
    best: tuple[int, float, Result] | None = None
    for r in f.search(query, least=floor):
        if r.score >= floor and r.code.startswith(prefixes):
            shown = {stem(w) for w in words(r.matched.path + " " + r.title)}
            named = len(own & shown)
            if (not own or named) and (best is None or (named, r.score) > best[:2]):
                best = (named, r.score, r)  # the code naming most of the condition's words
    return best[2] if best else None


def _history(f: Finder, m: Mention) -> Result | None:
    """The personal-history code for a resolved condition (Z85–Z87, or I25.2 old MI)."""
    if m.code.startswith(("Z85", "Z86", "Z87", "Z92", "I25.2")):
        return m.result
    if m.code.startswith(_TOBACCO):
        return _ask(f, "history of nicotine dependence", ("Z87.891",), 0.5)
    rest = m.unit.text[m.start - m.unit.start:].split(".")[0].split(";")[0]  # '… without residual deficits'
    for words_ in (" ".join(m.words), " ".join(words(rest)[:10])):
        r = _ask(f, "personal history of " + words_, _PERSONAL, 0.78)
        if r is not None:
            return r
    # last, the condition's Index main term, when the Index gives its personal history with no
    # further qualifier ('provoked L leg DVT' → Thrombosis › personal history Z86.718; not
    # Diabetes › gestational › personal history for a type 2 diabetes); not for an injury, whose
    # later encounters are coded by the 7th character (I.C.19.a), not as history
    if m.code.startswith(("S", "T")):
        return None
    first = m.result.matched.path.split(" › ")[0].split(" → ")[0]
    allowed = {stem(w) for w in words(first)} | _HISTORY_WORDS
    r = _ask(f, "personal history of " + first.split(",")[0], _PERSONAL, 0.78)
    if r is not None and {stem(w) for w in words(r.matched.path) if w not in STOP} <= allowed:
        return r
    return None


@dataclass(frozen=True, slots=True)
class FamilyCode:
    code: str
    title: str
    why: str


def family_code(kb: KnowledgeBase, code: str, said: list[str]) -> FamilyCode | None:
    """The family-history code for a relative's condition coded *code*: the Z80–Z84 code whose
    inclusion term 'Conditions classifiable to …' holds it (the narrowest), then its child the
    condition's words name, else its 'other' child. A mother's colon cancer (C18.9) → Z80.0;
    a father's MI (I21.9) → Z82.4 → Z82.49.

    >>> from icdkit import KnowledgeBase
    >>> family_code(KnowledgeBase.open(), "C56.9", ["ovarian", "cancer", "neoplasm", "ovary"]).code
    'Z80.41'
    """
    hit = narrowest(kb, _FAMILY, code)
    if hit is None:
        return None
    c, text = hit
    why = f"{c.code} '{text}' ({code})"
    have = {stem(w) for w in said if w not in STOP} - _HISTORY_WORDS
    while not c.billable:
        kids = kb.children(c.code)
        if not kids:
            return None
        named = [(len(have & {stem(w) for w in words(k.title)} - _FAMILY_WORDS), k) for k in kids]
        best = max(named, key=lambda x: x[0])
        c = best[1] if best[0] else next((k for k in reversed(kids) if "other" in words(k.title)), kids[-1])
        why += f" › {c.code}"
    return FamilyCode(c.code, c.title, why)


_FAMILY_WORDS = {stem(w) for w in ("family", "history", "malignant", "neoplasm", "disease", "diseases",
                                   "other", "disorder", "disorders", "of", "and")}


def decide(f: Finder, mentions: list[Mention], setting: str, has_assessment: bool
           ) -> tuple[list[Candidate], list[NotCoded]]:
    """Candidates to code and mentions not coded, each with the guideline that decided it."""
    out: list[Candidate] = []
    skipped: list[NotCoded] = []
    for m in mentions:
        cat = m.assertion.category
        trig = f"'{m.assertion.trigger}'" if m.assertion.trigger else ""
        if m.section == "family_history" and cat in ("present", "historical"):
            cat, trig = "family", "the Family history section"
        if cat == "negated":
            skipped.append(_not(m, f"negated by {trig}: a condition documented as absent is not coded"))
        elif cat == "hypothetical":
            skipped.append(_not(m, f"hypothetical ({trig}): not a condition at this encounter"))
        elif cat == "family":
            if m.section not in _FAMILY_SECTIONS:
                skipped.append(_not(m, f"family member's condition ({trig}) outside the history"))
                continue
            main = m.result.matched.path.split(" › ")[0].split(",")[0]
            r = _ask(f, "family history of " + " ".join(m.words), _FAMILY, 0.75) or \
                _ask(f, "family history of " + main, _FAMILY, 0.75)
            fam = family_code(f.kb, m.code, list(m.words) + words(m.result.title))
            if fam is not None and (r is None or not r.code.startswith(fam.code)):
                out.append(Candidate(fam.code, fam.title, m, "family",
                                     f"{fam.why} (family: {trig})",
                                     ["I.C.21.c.4 family history Z80–Z84"]))
                continue
            if r is None:
                skipped.append(_not(m, f"family member's condition ({trig}); no family-history code "
                                       "(Z80–Z84) names it"))
            else:
                out.append(Candidate(r.code, r.title, m, "family", f"{r.matched.path} (family: {trig})",
                                     ["I.C.21.c.4 family history Z80–Z84"], billable=r.billable))
        elif cat == "uncertain" and setting == "outpatient" and m.code.startswith("R") \
                and m.assertion.start is not None and m.assertion.start >= m.end:
            # 'Atypical chest pain, probably musculoskeletal vs GERD': the doubt is about the
            # explanation that follows; the symptom itself is documented and coded (IV.D, IV.H)
            out.append(Candidate(m.code, m.result.title, m, "present", m.result.matched.path,
                                 [f"IV.H / IV.D the symptom is coded; the uncertain diagnosis after it "
                                  f"({trig}) is not"], billable=m.result.billable))
        elif cat == "uncertain" and setting == "outpatient":
            skipped.append(_not(m, f"uncertain ({trig}) in an outpatient setting: not coded; the documented "
                                   "signs and symptoms are (Guidelines IV.H, IV.D)"))
        elif cat == "historical" and setting == "inpatient" and m.rank == 1 \
                and (m.assertion.trigger or "").lower() in _RESOLVED:
            # a condition treated during the stay and resolved by discharge is still coded
            out.append(Candidate(m.code, m.result.title, m, "present",
                                 f"{m.result.matched.path} (resolved during the stay)", ["III / II.C"],
                                 billable=m.result.billable))
        elif cat == "historical":
            if m.section not in _HISTORY_SECTIONS:
                skipped.append(_not(m, f"history ({trig}) outside the history and assessment"))
                continue
            r = _history(f, m)
            if r is not None:
                out.append(Candidate(r.code, r.title, m, "historical", f"{r.matched.path} (history: {trig})",
                                     ["I.C.21.c.4 personal history Z85–Z87"], billable=r.billable))
            elif _codable(m, has_assessment) and not m.code.startswith(_EPISODES) \
                    and "acute" not in m.words and "acute" not in m.result.title.lower():
                # 'history of hypertension': a chronic condition, current
                out.append(Candidate(m.code, m.result.title, m, "present",
                                     f"{m.result.matched.path} (history of a chronic condition with no "
                                     "personal-history code: taken as current)", ["IV.J"],
                                     billable=m.result.billable))
            else:
                skipped.append(_not(m, f"history ({trig}) of a condition with no personal-history code"))
        elif m.code.startswith(_TOBACCO) and m.section in _HISTORY_SECTIONS | {"social_history"}:
            out.append(Candidate(m.code, m.result.title, m, "present", m.result.matched.path,
                                 ["I.C.5.b tobacco dependence F17.2- vs history Z87.891"],
                                 billable=m.result.billable))
        elif not _codable(m, has_assessment):
            where = {"ros": "review of systems", "exam": "examination", "data": "results",
                     "medications": "medication list", "allergies": "allergies"}.get(m.section, m.section)
            skipped.append(_not(m, f"in the {where.replace('_', ' ')}, not carried into the assessment: "
                                   "only conditions the provider assessed are coded (Guidelines IV.J)"))
        else:
            rules = ["II.H / III.C uncertain diagnosis at discharge coded as established"] \
                if cat == "uncertain" else []
            out.append(Candidate(m.code, m.result.title, m, cat, m.result.matched.path, rules,
                                 billable=m.result.billable))
    return out, skipped
