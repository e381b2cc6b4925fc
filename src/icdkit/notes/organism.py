"""An organism named alone is the infectious agent, not a combination code naming a condition
the note did not give it.

'Blood cultures grew MSSA' and 'MSSA tricuspid endocarditis' name Methicillin susceptible
Staphylococcus aureus; the search's best title for the word alone may be 'Pneumonia due to
Methicillin susceptible Staphylococcus aureus' (J15.211). A combination code is assigned when
the note documents both of what it combines (Guidelines I.B.9); the organism alone is coded
from B95–B97, 'provided for use as supplementary or additional codes to identify the infectious
agent(s) in diseases classified elsewhere' (Tabular note at B95-B97): MSSA → B95.61.

>>> from icdkit.notes import code_note
>>> sorted(code_note("Final diagnoses: MSSA bacteremia.", setting="inpatient").code_list)
['B95.61', 'R78.81']
"""

from __future__ import annotations

import re

from icdkit.notes.mentions import Finder
from icdkit.notes.result import NotCoded
from icdkit.notes.setting import Candidate, _ask
from icdkit.vocabulary import STOP, stem
from icdkit.vocabulary import query_words as words

AGENTS = ("B95", "B96", "B97")
_DUE_TO = re.compile(r"^(?P<condition>.+?) due to (?P<agent>.+)$", re.IGNORECASE)


def organisms_alone(f: Finder, cands: list[Candidate]) -> tuple[list[Candidate], list[NotCoded]]:
    """The candidates, an '<condition> due to <organism>' code found from the organism's words
    alone (every word of the mention is one of the organism's, none the condition's) replaced by
    the organism's B95–B97 code (its Index entry 'as the cause of diseases classified
    elsewhere'); when the Index has no such entry the code is left out."""
    keep: list[Candidate] = []
    out: list[NotCoded] = []
    for c in cands:
        m = _DUE_TO.match(c.title)
        if m is None or c.code != c.mention.code or c.code.startswith((*AGENTS, "Z")):
            keep.append(c)
            continue
        agent = {stem(w) for w in words(m.group("agent"))}
        condition = {stem(w) for w in words(m.group("condition")) if w not in STOP}
        said = [{stem(x) for v in f.synonyms.variants([w]) for x in v}
                for w in c.mention.words if w not in STOP]
        if not said or not all(s & agent for s in said) or any(s & condition for s in said):
            keep.append(c)  # the condition is documented (or words beyond the organism): the code stands
            continue
        ws = " ".join(w for w in c.mention.words if w not in STOP)
        r = _ask(f, ws + " as the cause of diseases classified elsewhere", AGENTS, 0.6)
        named = {stem(w) for w in words(r.matched.path + " " + r.title)} if r is not None else set()
        if not named & set().union(*said):
            r = None  # no agent, or not the one named
        why = (f"names the organism only: {c.code} '{c.title}' combines a condition the note does not "
               "document with it (Guidelines I.B.9)")
        if r is None:
            out.append(NotCoded(c.mention.text, c.mention.start, c.mention.end, why, c.code))
            continue
        out.append(NotCoded(c.mention.text, c.mention.start, c.mention.end,
                            f"{why}; coded as the agent {r.code}", c.code))
        keep.append(Candidate(r.code, r.title, c.mention, c.assertion, f"{r.matched.path} (the organism)",
                              ["B95-B97 note: the infectious agent of a disease classified elsewhere"],
                              list(c.extra), billable=r.billable))
    return keep, out
