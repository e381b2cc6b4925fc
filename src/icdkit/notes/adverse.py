"""Adverse effects of drugs correctly prescribed and properly administered (Guidelines
I.C.19.e.5.a): the nature of the effect is coded, then the drug's *adverse effect* code from the
Table of Drugs and Chemicals (T36–T50 with 5th or 6th character 5).

* a drug the note names as the cause — '<drug>-induced', 'due to / secondary to / caused by /
  from <drug>', 'adverse effect of <drug>' — gets its Drug Table row's Adverse effect column,
  the words naming the drug being the whole cause (so 'anemia due to iron deficiency' is not
  the drug iron);
* a poisoning code the search chose by default (accidental, the first column) becomes the
  adverse effect when the sentence says so ('adverse effect', 'as prescribed', '-induced') and
  says no overdose, error or intent;
* a code whose Tabular *Use additional code for adverse effect … (T45.1X5)* names one drug
  (D70.1 agranulocytosis secondary to cancer chemotherapy) gets that code;
* a manifestation whose Excludes1 note sends 'due to adverse effect of correct medicinal
  substance properly administered' elsewhere (T78.2 anaphylactic shock → T88.6) is coded there.

>>> from icdkit import KnowledgeBase
>>> from icdkit.notes import code_note
>>> code_note("A/P: Heparin-induced thrombocytopenia.").code_list
['D75.829', 'T45.515A']
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from icdkit.notes.mentions import Finder, Mention
from icdkit.notes.result import NotCoded
from icdkit.notes.setting import Candidate
from icdkit.notes.specificity import refine
from icdkit.vocabulary import STOP, stem
from icdkit.vocabulary import query_words as words

if TYPE_CHECKING:
    from icdkit.kb import KnowledgeBase

_T_DRUG = re.compile(r"T(3[6-9]|4\d|50)\.")
# the cause after the condition, or the drug before '-induced'
_CAUSE = re.compile(r"\b(?:due to|secondary to|caused by|induced by|related to|from|"
                    r"adverse (?:effect|reaction)s? (?:of|to))\s+"
                    r"((?:the |a |an )?[A-Za-z][A-Za-z0-9 /-]{1,40}?)"
                    r"(?=\s*(?:[,;:.()]|$|\s+(?:and|with|without|in|on|at|for|after|while|which|that|is|was|"
                    r"correctly|as|given)\b))", re.IGNORECASE)
_INDUCED = re.compile(r"\b([A-Za-z][A-Za-z0-9 ]{1,30}?)[- ]induced\b", re.IGNORECASE)
_SAYS_ADVERSE = re.compile(r"\b(?:adverse (?:effect|reaction|drug)|side[- ]effect|as prescribed|"
                           r"correct(?:ly)? (?:dose|dosage|prescribed|administered)|properly administered|"
                           r"therapeutic dose|\w+-induced|induced by)\b", re.IGNORECASE)
_SAYS_POISONING = re.compile(r"\b(?:overdos\w*|poison\w*|wrong|error|mistak\w*|too many|too much|excess\w*|"
                             r"intentional\w*|self[- ]harm|suicid\w*|assault|undetermined|ingest\w*|"
                             r"took \d+)\b", re.IGNORECASE)
_ENCOUNTER_Z = re.compile(r"Z(0[0-4]|0[89]|1[1-3]|3[01]|4\d|5[0-3])")
_FRONT = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)


def adverse_effects(f: Finder, cands: list[Candidate]) -> tuple[list[Candidate], list[NotCoded]]:
    """The candidates with the adverse effects the note documents (see the module docstring)."""
    kb = f.kb
    out: list[NotCoded] = []
    for c in cands:
        if _T_DRUG.match(c.code) and c.code[6:7] == "1" and c.assertion == "present":
            said = c.mention.unit.text
            if _SAYS_ADVERSE.search(said) and not _SAYS_POISONING.search(said):
                other = kb.find(c.code[:6] + "5" + c.code[7:])
                if other is not None:
                    c.rules.append("I.C.19.e.5.a adverse effect: the drug correctly prescribed and properly "
                                   "administered")
                    c.code, c.title = other.code, other.title
    have = {c.code[:5] for c in cands if _T_DRUG.match(c.code)}
    added: list[Candidate] = []
    gone: set[int] = set()
    units: dict[int, list[Candidate]] = {}
    for c in cands:
        if c.assertion in ("present", "uncertain") and not _T_DRUG.match(c.code):
            units.setdefault(c.mention.unit.start, []).append(c)
    for group in units.values():
        unit = group[0].mention.unit
        if _SAYS_POISONING.search(unit.text):
            continue
        for a, b, drug in _causes(unit.text):
            start, end = unit.start + a, unit.start + b
            inside = [o for o in group if start <= o.mention.start and o.mention.end <= end]
            effect = next((o for o in group if o not in inside and not o.code.startswith("Z")), None)
            if effect is None and not [w for w in words(unit.text[:a]) if w not in STOP]:
                continue
            effect = effect or group[0]  # 'Supratherapeutic INR due to warfarin': the effect not found
            # an encounter Z code in the cause is not this encounter's reason ('agranulocytosis
            # secondary to cancer chemotherapy' is not Z51.11)
            for o in inside:
                if _ENCOUNTER_Z.match(o.code) and id(o) not in gone:
                    gone.add(id(o))
                    out.append(NotCoded(o.mention.text, o.mention.start, o.mention.end,
                                        f"names the cause of '{effect.mention.text}', not this encounter's "
                                        "reason (Guidelines I.C.21.a)", o.code))
            got = _adverse(f, drug)
            if got is None or got[0][:5] in have:
                continue
            code, title, path = got
            have.add(code[:5])
            m = Mention(start, end, unit.text[a:b], effect.mention.result, effect.mention.section,
                        effect.mention.rank, unit, tuple(words(drug)))
            added.append(Candidate(code, title, m, effect.assertion,
                                   f"{path} (the cause of '{effect.mention.text}')",
                                   ["I.C.19.e.5.a adverse effect: the nature of the effect, then the drug"]))
            for o in inside:  # the drug's own words found as a condition ('warfarin' → D68.318)
                if id(o) not in gone:
                    gone.add(id(o))
                    out.append(NotCoded(o.mention.text, o.mention.start, o.mention.end,
                                        f"names the drug whose adverse effect is coded ({code}), not a "
                                        "condition (Guidelines I.C.19.e.5.a)", o.code))
    for c in cands:
        if c.assertion != "present" or _T_DRUG.match(c.code) or id(c) in gone:
            continue
        for n in kb.effective_notes(c.code, kinds=["use_additional"]):
            if "adverse effect" not in n.text or len(n.refs) != 1 or n.refs[0].hi != n.refs[0].lo + "~":
                continue  # one drug's code, not a range ('T36-T50 with fifth or sixth character 5')
            ref = n.refs[0].lo[:3] + "." + n.refs[0].lo[3:]
            if ref[:5] in have or not _T_DRUG.match(ref):
                continue
            code, _ = refine(kb, ref, ["initial"], origin=ref)
            found = kb.find(code)
            if found is None or not found.billable:
                continue
            have.add(code[:5])
            added.append(Candidate(code, found.title, c.mention, c.assertion,
                                   f"{c.code}: use additional code for adverse effect ({n.text})",
                                   [f"I.A.13 use additional code (note at {c.code}); I.C.19.e.5.a"]))
    cands = [c for c in cands if id(c) not in gone] + added
    if added or any(_T_DRUG.match(c.code) and c.code[6:7] == "5" for c in cands):
        _manifestations(kb, cands)
    return cands, out


def _causes(text: str) -> list[tuple[int, int, str]]:
    """(start, end, words) of each drug a sentence names as a cause."""
    got = [(m.start(1), m.end(1), m.group(1)) for m in _CAUSE.finditer(text)]
    got += [(m.start(1), m.end(1), m.group(1)) for m in _INDUCED.finditer(text)]
    out = []
    for a, b, said in got:
        lead = _FRONT.match(said)
        if lead:
            a, said = a + lead.end(), said[lead.end():]
        out.append((a, b, said.strip()))
    return out


def _adverse(f: Finder, drug: str) -> tuple[str, str, str] | None:
    """The Adverse effect code of the Drug Table row that *drug* names whole, or None."""
    ws = [w for w in words(drug) if w not in STOP]
    if not ws or len(ws) > 4:
        return None
    want = [{stem(x) for x in v if x not in STOP} for v in f.synonyms.variants(ws)]
    for r in f.search(f"{' '.join(ws)} adverse effect", limit=3):
        if r.matched.via != "drug" or not r.matched.path.endswith("Adverse effect") or r.score < 0.9:
            continue
        parts = r.matched.path.split(" › ")[:-1]
        row = {stem(w) for w in words(" ".join(parts)) if w not in STOP}
        head = {stem(w) for w in words(parts[0]) if w not in STOP and w != "nec"}
        # the row's substance itself named: 'RSV' is the virus, not 'Vaccine NEC › respiratory
        # syncytial virus'
        if any(v and v <= row and head <= v for v in want):
            code, _ = refine(f.kb, r.code, ["initial"], origin=r.code)
            found = f.kb.find(code)
            return code, found.title if found else r.title, r.matched.path
    return None


def _manifestations(kb: KnowledgeBase, cands: list[Candidate]) -> None:
    """T78.2 anaphylactic shock beside an adverse effect code in its sentence → T88.6: its
    Excludes1 note sends the reaction due to a correct drug properly administered there."""
    units = {c.mention.unit.start for c in cands if _T_DRUG.match(c.code) and c.code[6:7] == "5"}
    for c in cands:
        if c.mention.unit.start not in units or _T_DRUG.match(c.code):
            continue
        for n in kb.effective_notes(c.code, kinds=["excludes1"]):
            if "adverse effect of correct" not in n.text or len(n.refs) != 1:
                continue
            ref = n.refs[0].lo
            ref = ref[:3] + "." + ref[3:]
            code, _ = refine(kb, ref, ["initial"], origin=ref)
            found = kb.find(code)
            if found is not None and found.billable:
                c.rules.append(f"Excludes1 at {c.code}: '{n.text}' (I.C.19.e.5.a)")
                c.code, c.title = found.code, found.title
            break


def effects_first(cands: list[Candidate]) -> list[Candidate]:
    """Each adverse effect code after the effect coded from its sentence: 'Lisinopril-induced
    cough' is R05.9, then T46.4X5A (Guidelines I.C.19.e.5.a: the nature of the adverse effect
    is sequenced first)."""
    order = list(cands)
    for c in cands:
        if not (_T_DRUG.match(c.code) and c.code[6:7] == "5"):
            continue
        i = order.index(c)
        later = [j for j, o in enumerate(order) if j > i and o.mention.unit.start == c.mention.unit.start
                 and not _T_DRUG.match(o.code) and o.assertion == c.assertion]
        if later:
            order.insert(later[-1], order.pop(i))
    return order
