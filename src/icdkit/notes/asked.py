"""Codes a Tabular *Use additional code* note asks for, when the note's own sentence says what
they code (Guidelines I.A.13):

* the note names the condition outright — D70.1 '… for any associated: fever (R50.81)' beside
  'Neutropenic fever' → R50.81;
* the note asks for a site — E11.621 '… to identify site of ulcer (L97.4-, L97.5-)' beside
  'Diabetic foot ulcer of left heel, skin breakdown only' → the code of that range the Index
  gives for the sentence's words (Ulcer › lower limb › heel › left › with › skin breakdown
  only → L97.421).

>>> from icdkit.notes import code_note
>>> code_note("A/P: Type 2 diabetic foot ulcer of the right heel, limited to breakdown of skin.").code_list
['E11.621', 'L97.411']
"""

from __future__ import annotations

import re

from icdkit.kb import KnowledgeBase
from icdkit.notes.context import denied_spans
from icdkit.notes.mentions import FILLER, Finder
from icdkit.notes.setting import Candidate
from icdkit.notes.specificity import IMPLIES, in_refs, refine
from icdkit.vocabulary import STOP, stem
from icdkit.vocabulary import query_words as words

_GENERIC = frozenset(stem(w) for w in ("code", "codes", "identify", "any", "associated", "if", "applicable",
                                       "use", "additional", "such", "as", "the", "for", "to", "of", "and",
                                       "or"))
_SITE = re.compile(r"\bidentify (?:the )?(?:site|location)\b", re.IGNORECASE)
_STAGE = re.compile(r"\bidentify (?:the )?stage\b", re.IGNORECASE)
_CLAUSE = re.compile(r";|\.(?:\s|$)")  # a list's items: the stage is said in the condition's own


def asked_for(f: Finder, cands: list[Candidate]) -> list[Candidate]:
    """The candidates with the codes their *Use additional code* notes ask for (see above)."""
    kb = f.kb
    have = {c.code for c in cands}
    out: list[Candidate] = []
    for c in cands:
        if c.assertion != "present":
            continue
        unit = c.mention.unit.text
        spans = denied_spans(f.rules, unit)  # 'no pneumonia' does not say pneumonia
        said = "".join(" " if any(a <= i < b for a, b in spans) else ch for i, ch in enumerate(unit))
        stems = {stem(w) for w in words(said) if w not in STOP} \
            | {stem(x) for w in words(said) for x in IMPLIES.get(w, ())}  # 'febrile' says fever
        # the combination's own words ('Diabetes › type 2 › with › foot ulcer': diabetes, type 2)
        parts = c.mention.result.matched.path.split(" → ")[0].split(" › ")
        own = {stem(w) for p in parts[:-1] for w in words(p)}
        for n in kb.effective_notes(c.code, kinds=["use_additional"]):
            if not n.refs or any(in_refs(h, n.refs) for h in have) or n.refs[0].lo.startswith("Z79"):
                continue  # long-term drug use is coded where the note says the patient is on it
            code = None
            single = len(n.refs) == 1 and n.refs[0].hi == n.refs[0].lo + "~"
            named = {stem(w) for w in words(n.text.split("(")[0]) if w not in STOP} - _GENERIC
            if single and named and named <= stems and "adverse" not in named:
                ref = n.refs[0].lo
                ref = ref[:3] + "." + ref[3:] if len(ref) > 3 else ref
                code, _ = refine(kb, ref, list(words(said)), said, origin=ref)
                why = f"{c.code}: use additional code for {n.text}"
            elif len(n.refs) > 1 and all(r.hi == r.lo + "~" for r in n.refs) \
                    and (pick := _one_of(kb, n.text, [r.lo for r in n.refs], stems)) is not None:
                code, why = pick, f"{c.code}: use additional code for {n.text}"
            elif _SITE.search(n.text) or _STAGE.search(n.text):
                # a site is searched without the combination's own words; a stage with them
                # ('hypertensive chronic kidney disease, stage 3b' → Disease › kidney › chronic ›
                # stage 3b, N18.32, for I12.9's note 'to identify the stage of CKD')
                site = bool(_SITE.search(n.text))
                text = said if site else _CLAUSE.split(said[c.mention.start - c.mention.unit.start:])[0]
                ws = [w for w in words(text) if w not in STOP and w not in FILLER
                      and (stem(w) not in own or not site)]
                r = next((r for r in f.searcher.search(" ".join(ws), limit=30)
                          if in_refs(r.code, n.refs) and r.score >= 0.6 and r.billable
                          and (r.matched.via != "index" or _head(r.matched.path) <= stems)), None)
                if r is None:
                    continue
                code, why = r.code, f"{r.matched.path} ({c.code}: use additional code {n.text})"
            if code is None:
                continue
            found = kb.find(code)
            if found is None or not found.billable or code in have:
                continue
            have.add(code)
            out.append(Candidate(code, found.title, c.mention, c.assertion, why,
                                 [f"I.A.13 use additional code (note at {c.code})"]))
    return cands + out


def _head(path: str) -> set[str]:
    """Stems of a path's main term ('Ulcer, ulcerated, … › lower limb' → {'ulcer'})."""
    return {stem(w) for w in words(path.split(" › ")[0].split(",")[0]) if w not in STOP}


_WITH_SPLIT = re.compile(r"\b(without|with)\b")


def _one_of(kb: KnowledgeBase, text: str, refs: list[str], stems: set[str]) -> str | None:
    """Of a note's codes ('dementia without behavioral disturbance (F02.80, F02.A0, F02.B0,
    F02.C0)'), the one whose title the sentence's words fit best ('moderate' → F02.B0), when the
    sentence says the note's condition, what it is 'with' and not what it is 'without'."""
    head, *rest = _WITH_SPLIT.split(text.split("(")[0])
    core = {stem(w) for w in words(head) if w not in STOP} - _GENERIC
    if not core or not core <= stems:
        return None
    for kind, tail in zip(rest[::2], rest[1::2], strict=False):
        ts = {stem(w) for w in words(tail) if w not in STOP} - _GENERIC
        if (kind == "with" and not ts <= stems) or (kind == "without" and ts & stems):
            return None
    best: tuple[float, str] | None = None
    for ref in refs:
        code = kb.find(ref[:3] + "." + ref[3:])
        if code is None or not code.billable:
            continue
        ts = {stem(w) for w in words(code.title) if w not in STOP}
        fit = len(ts & stems) - 0.01 * len(ts - stems)
        if best is None or fit > best[0]:
            best = (fit, code.code)
    return best[1] if best else None
