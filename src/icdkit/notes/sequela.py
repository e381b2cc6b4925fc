"""Sequelae of cerebrovascular disease (Guidelines I.C.9.d, I.B.10): a deficit the note says
is left by a past stroke ('hemiparesis as a late effect of cerebral infarction', 'history of
stroke with residual aphasia') is coded through the Index's ``Sequelae (of)`` entry for the
stroke's kind and the deficit (I69.351), not as the deficit alone (G81.91) nor as the acute
stroke (I63.-), and the stroke itself is not coded (not I63, not Z86.73: I.C.9.d.1, d.3).

The deficit and the stroke must share a sentence that says the deficit is left over: 'late
effect', 'sequela', 'residual', 'post-stroke', or the stroke is past ('history of', 'prior',
'old', 'remote', '… ago'). An acute stroke's deficit ('right hemiparesis due to acute stroke')
is coded as the deficit (G81.91), as the guideline says.

>>> from icdkit import KnowledgeBase
>>> from icdkit.notes.mentions import Finder, find
>>> f = Finder(KnowledgeBase.open())
>>> t = "A/P: Aphasia, a late effect of cerebral infarction."
>>> [m.code for m in sequelae(f, find(f, t, 0, "assessment_plan", 1))[0]]
['I69.320']
"""

from __future__ import annotations

import re
from dataclasses import replace

from icdkit.notes.context import PRESENT, denied_spans
from icdkit.notes.mentions import Finder, Mention
from icdkit.notes.result import NotCoded
from icdkit.search.engine import Result
from icdkit.vocabulary import STOP, stem
from icdkit.vocabulary import query_words as words

_CUE = re.compile(r"\b(late effects?|sequelae?|residual|residua|post[- ]?stroke|post[- ]?cva|history of|"
                  r"h/o|hx of|prior|previous|old|remote|ago)\b", re.IGNORECASE)
_STROKE = re.compile(r"\b(stroke|cva|cerebrovascular accident|cerebral infarct\w*|infarct\w*)\b",
                     re.IGNORECASE)
_CAUSES = ("I60", "I61", "I62", "I63", "I64", "I67", "I69", "Z86.73")
_SEQUELAE = "Sequelae › "


def _is_cause(m: Mention) -> bool:
    return m.code.startswith(_CAUSES) or bool(_STROKE.search(m.text))


def sequelae(f: Finder, mentions: list[Mention]) -> tuple[list[Mention], list[NotCoded]]:
    """The mentions with each stroke's residual deficit turned into its I69 sequela and the
    stroke itself set aside (see the module docstring)."""
    out: list[Mention] = []
    dropped: list[NotCoded] = []
    units: dict[int, list[Mention]] = {}
    for m in mentions:
        units.setdefault(m.unit.start, []).append(m)
    for ms in units.values():
        unit = ms[0].unit
        causes = [m for m in ms if _is_cause(m) and m.assertion.category not in ("negated", "family")]
        denied = denied_spans(f.rules, unit.text)
        cue = next((c for c in _CUE.finditer(unit.text)
                    if not any(a <= c.start() < b for a, b in denied)), None)
        if not causes or cue is None:
            out += ms
            continue
        done: list[Mention] = []
        for m in ms:
            if m in causes or m.assertion.category in ("negated", "family", "hypothetical") \
                    or m.code.startswith(("Z", "I")):
                continue
            got = _sequela(f, causes[0], m)
            if got is not None:
                r, asked = got
                done.append(replace(m, result=r, assertion=PRESENT, words=(*m.words, *asked)))
                dropped.append(NotCoded(m.text, m.start, m.end, f"a residual deficit of a past stroke: coded "
                                        f"as its sequela {r.code} (Guidelines I.C.9.d)", m.code))
        if not done:
            out += ms
            continue
        kept = {id(m) for m in ms if m not in causes}
        replaced = {(d.start, d.end) for d in done}
        out += [d for d in done]
        out += [m for m in ms if id(m) in kept and (m.start, m.end) not in replaced]
        dropped += [NotCoded(c.text, c.start, c.end, f"the stroke whose sequela is coded ({done[0].code}): "
                             "the acute code and the personal history code are not (Guidelines I.C.9.d.1, "
                             "d.3)", c.code) for c in causes]
    out.sort(key=lambda m: m.start)
    return out, dropped


def _sequela(f: Finder, cause: Mention, deficit: Mention) -> tuple[Result, tuple[str, ...]] | None:
    """The Index's Sequelae entry for the stroke's kind and the deficit's condition (a stroke
    NOS is a cerebral infarction: Index 'Stroke' I63.9, 'Sequelae, stroke NOS' I69.30), and the
    words of the stroke's kind asked with it."""
    kind = "infarction cerebral" if not cause.code.startswith(("I60", "I61", "I62")) \
        else " ".join(w for w in words(cause.result.title) if w not in STOP)
    own = {stem(w) for w in (*deficit.words, *words(deficit.result.title)) if w not in STOP}
    for said in (" ".join(words(deficit.result.title)), " ".join(deficit.words)):
        for r in f.search(f"sequelae {kind} {said}"):
            indexed = r.matched.path.startswith(_SEQUELAE)
            if not r.code.startswith("I69") or not (indexed or r.matched.via in ("title", "inclusion")):
                continue
            named = r.matched.path.split(" › ")[-1] if indexed else r.title.split(" following ")[0]
            if {stem(w) for w in words(named) if w not in STOP} & own:
                return r, ("sequelae", *kind.split())
    return None
