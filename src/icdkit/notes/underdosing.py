"""Underdosing (Guidelines I.C.19.e.5.c): taking less of a medication than prescribed, or
stopping it on one's own initiative, is coded with the drug's *Underdosing* column of the Table
of Drugs and Chemicals (T36–T50, 6th character 6); the noncompliance code of the Index's
*Underdosing* entry tells the intent when the note says it ('intentional NEC' Z91.128, 'due to
financial hardship of patient' Z91.120, 'unintentional NEC' Z91.138, 'due to patient's age
related debility' Z91.130).

* a drug the patient stopped or ran out of on their own ('stopped lithium because he felt
  well', 'ran out of insulin') is an underdosing of it;
* an underdosing code (found here or by the search) gets its intent code when the note says why.

>>> from icdkit.notes import code_note
>>> code_note("A/P: Essential hypertension; ran out of metoprolol 4 days ago, could not afford "
...           "the refill.").code_list
['I10', 'T44.7X6A', 'Z91.120']
"""

from __future__ import annotations

import re

from icdkit.notes.mentions import Finder, Mention
from icdkit.notes.result import NotCoded
from icdkit.notes.sections import Section
from icdkit.notes.sentences import Span
from icdkit.notes.setting import Candidate
from icdkit.notes.specificity import refine
from icdkit.search.engine import Result
from icdkit.vocabulary import query_words as words
from icdkit.vocabulary import stem

_UNDERDOSING = re.compile(r"T(3[6-9]|4\d|50)\.\w{2}6")
# stopping or running out on one's own: the drug and what says it was the patient's doing
_STOPPED = re.compile(r"\b(?:stopped taking|quit taking|not taking|stopped|quit|discontinued|ran out of|"
                      r"run out of|ran low on|missed|skipped)\s+(?:his|her|their|the)?\s*([a-z][a-z-]{3,})\b",
                      re.IGNORECASE)
_OWN = re.compile(r"\b(?:on (?:his|her|their) own|because (?:he|she|they) (?:felt|feels|did not|didn't|"
                  r"could not|couldn't|wanted)|without (?:telling|consulting|medical advice)|"
                  r"self[- ]discontinu\w*|ran out|run out|ran low|forgot|could not afford|couldn't afford|"
                  r"cost|"
                  r"financial|did not refill|didn't refill|missed|skipped|refus\w*|non-?complian\w*|"
                  r"non-?adheren\w*)\b", re.IGNORECASE)
# the intent the Index's 'Underdosing' subterms distinguish, most specific first
_INTENTS = (
    (re.compile(r"\b(?:afford\w*|financial\w*|cost of|insurance|money)\b", re.IGNORECASE),
     "underdosing intentional due to financial hardship of patient"),
    (re.compile(r"\bage[- ]related debility\b", re.IGNORECASE),
     "underdosing unintentional due to patient's age related debility"),
    (re.compile(r"\b(?:unintentional\w*|forgot|forgetting|forgetful\w*|ran (?:out|low)|run out|confus\w*|"
                r"misunderst\w*|mix[- ]?up|did not understand)\b", re.IGNORECASE),
     "underdosing unintentional"),
    (re.compile(r"\b(?:intentional\w*|on (?:his|her|their) own|decided|chose|refus\w*|"
                r"because (?:he|she|they) (?:felt|feels|wanted|did not want|didn't want)|"
                r"self[- ]discontinu\w*)\b", re.IGNORECASE),
     "underdosing intentional"),
)
_WHERE = frozenset({"assessment_plan", "hpi", "preamble", "chief_complaint"})
_SENTENCE = re.compile(r"[^.;\n]*(?:[.;\n]|$)")


def underdosing(f: Finder, text: str, sections: list[Section], cands: list[Candidate]
                ) -> tuple[list[Candidate], list[NotCoded]]:
    """The candidates with the underdosings the note documents and their intent codes."""
    out: list[Candidate] = []
    dropped: list[NotCoded] = []
    have = {c.code[:5] for c in cands if _UNDERDOSING.match(c.code)}
    for s in sections:
        if s.name not in _WHERE:
            continue
        for m in _STOPPED.finditer(text, s.start, s.end):
            sentence = _sentence_of(text, m.start(), s.start, s.end)
            if not _OWN.search(sentence.text):
                continue  # stopped by the provider, or for an adverse effect: no underdosing
            r = next((r for r in f.searcher.search(f"{m.group(1)} underdosing", limit=3)
                      if r.matched.via == "drug" and r.matched.path.endswith("Underdosing")
                      and stem(m.group(1).lower()) in {stem(w) for w in words(r.matched.path)}), None)
            if r is None:
                continue
            code, _ = refine(f.kb, r.code, ["initial"], origin=r.code)
            if code[:5] in have:
                continue
            have.add(code[:5])
            found = f.kb.find(code)
            mention = Mention(m.start(), m.end(), m.group(), r, s.name, s.rank, sentence,
                              (m.group(1).lower(),))
            out.append(Candidate(code, found.title if found else r.title, mention, "present",
                                 f"{r.matched.path} ('{m.group()}': on the patient's own initiative)",
                                 ["I.C.19.e.5.c underdosing: a prescribed drug stopped or taken less"]))
    under = [c for c in [*cands, *out] if _UNDERDOSING.match(c.code) and c.assertion == "present"]
    if under and not any(c.code.startswith(("Z91.12", "Z91.13")) for c in cands):
        said = " ".join(dict.fromkeys(u.mention.unit.text for u in under))
        said += " " + " ".join(_sentence_of(text, m.start(), 0, len(text)).text
                               for m in _STOPPED.finditer(text))
        intent = _intent(f, said)
        if intent is not None:
            r, evidence = intent
            first = under[0].mention
            a, b = first.start, first.end
            mention = Mention(a, b, first.text, r, first.section, first.rank, first.unit,
                              tuple(words(evidence)))
            z = Candidate(r.code, r.title, mention, "present", f"{r.matched.path} ('{evidence}')",
                          ["I.C.19.e.5.c the intent of an underdosing: noncompliance Z91.12-, Z91.13-"])
            out.append(z)
            if r.code == "Z91.120":  # the hardship is the intent's own words
                where = {u.mention.unit.start for u in under}
                for c in cands:
                    if c.code.startswith("Z59.8") and c.mention.unit.start in where:
                        dropped.append(NotCoded(c.mention.text, c.mention.start, c.mention.end,
                                                f"included in {r.code} (underdosing due to financial "
                                                "hardship)", c.code))
    gone = {(n.start, n.code) for n in dropped}
    return [c for c in cands if (c.mention.start, c.code) not in gone] + out, dropped


def _sentence_of(text: str, at: int, lo: int, hi: int) -> Span:
    start = max((i + 1 for i in (text.rfind(x, lo, at) for x in ".;\n") if i >= 0), default=lo)
    ends = [i for i in (text.find(x, at, hi) for x in ".;\n") if i >= 0]
    end = min(ends, default=hi)
    return Span(start, end, text[start:end])


def _intent(f: Finder, said: str) -> tuple[Result, str] | None:
    """The Index's 'Underdosing' subterm the note's words give the intent of, and those words."""
    for pattern, query in _INTENTS:
        m = pattern.search(said)
        if m is None:
            continue
        last = query.split(" ", 2)[1]  # 'intentional' / 'unintentional'
        for r in f.search(query, limit=3):
            parts = r.matched.path.split(" › ")
            if r.code.startswith("Z91.1") and parts[0] == "Underdosing" and len(parts) > 1 \
                    and parts[1].startswith(last):
                return r, m.group()
        return None
    return None
