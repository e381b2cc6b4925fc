"""Questions coders ask, answered from the rules — only where the answer is real for this code.

Answers about reporting two codes together come from their Excludes notes, the same notes
:func:`icdkit.rules.check.check` applies (a test holds the two to agreement), and name a
billable representative of a partner written as a set (M50.- → M50.00).

>>> from icdkit import KnowledgeBase
>>> from icdkit.guide.subject import Subject
>>> s = Subject.of(KnowledgeBase.open("FY2026"), "M54.03", None)
>>> faq(s, [], {})[0].question
'Is M54.03 billable on its own?'
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from icdkit.guide.model import Confusable, Faq
from icdkit.guide.pitfalls import EXCEPTION
from icdkit.guide.subject import Subject

MAX_PAIRS = 4  # "Can I report X with Y?" questions


def faq(s: Subject, confusable: list[Confusable], facts: dict[str, Any]) -> list[Faq]:
    if not s.coded:
        return []
    out: list[Faq] = []
    kb, node = s.kb, s.node
    mce = kb.meta.get("mce_source", "")

    def put(q: str, a: str, codes: tuple[str, ...], sources: tuple[str, ...]) -> None:
        if s.fresh(q) and s.fits(codes):
            out.append(Faq(q, a, codes, sources))

    valid = s.cite.add(
        "valid-code-set",
        node.code,
        f"{node.code} is " + ("" if s.billable else "not ") + f"in the valid-code set on {s.day}",
        mce,
    )
    if s.billable:
        put(
            f"Is {node.code} billable on its own?",
            f"Yes: {node.code} is in the valid-code set on {s.day}.",
            (node.code,),
            (valid,),
        )
    else:
        kids = kb.children(node.key)
        put(
            f"Is {node.code} billable on its own?",
            f"No: {node.code} is not billable (not in the valid-code set on {s.day}); "
            "report one of its codes: "
            + ", ".join(k.code for k in kids[:6])
            + ("…" if len(kids) > 6 else "")
            + ".",
            (node.code, *(k.code for k in kids[:6])),
            (valid,),
        )
    p = s.ancestors[0] if s.ancestors else None
    if (
        s.billable
        and p is not None
        and p.kind in ("category", "subcategory", "code")
        and kb.period_on(p.key, s.day) is None
    ):
        put(
            f"Is {p.code} billable on its own?",
            f"No: {p.code} ({p.title}) is a header, not in the valid-code set on {s.day}; report {node.code} "
            "or another of its codes.",
            (p.code,),
            (s.cite.add("valid-code-set", p.code, f"{p.code} is not in the valid-code set on {s.day}", mce),),
        )
    seventh = facts.get("seventh_character", {})
    src7 = tuple(facts.get("sources", {}).get("seventh_character", ()))
    if seventh.get("required"):
        chars = seventh.get("characters", {})
        put(
            f"Does {node.code} require a 7th character?",
            f"Yes: the codes of {seventh.get('owner')} take a 7th character ("
            + "; ".join(f"{c} {m}" for c, m in chars.items())
            + ")"
            + (f"; {node.code} already carries it." if s.billable and len(node.key) == 7 else "."),
            (),
            src7,
        )
    else:
        put(
            f"Does {node.code} require a 7th character?",
            f"No: no 7th character applies to {node.code}.",
            (),
            src7,
        )
    pairs = 0
    for n in s.excludes1:
        for r in n.refs:
            if not s.billable or pairs >= MAX_PAIRS or not s.narrow(r):  # a header is never reported
                continue
            rep = partner(s, r)
            if rep is None or rep == node.code:
                continue
            put(
                f"Can I report {node.code} with {rep}?",
                f"No: Excludes1 at {n.source} (“{n.text}”) — report one or the other, {EXCEPTION}.",
                (node.code, rep),
                (s.cite.note(n),),
            )
            pairs += 1
    for c in confusable[:1]:
        put(
            f"What is the difference between {node.code} and {c.code}?",
            c.difference[:1].upper() + c.difference[1:],
            (node.code, c.code),
            c.sources,
        )
    cc = facts.get("cc_mcc")
    put(
        f"Is {node.code} a CC or MCC?",
        (
            f"Yes: it is an {cc['level']}"
            if cc and cc["level"] == "MCC"
            else f"Yes: it is a {cc['level']}"
            if cc
            else "No: it is neither a CC nor an MCC"
        )
        + " under MS-DRG v43"
        + (
            f" (it counts as non-CC when the principal diagnosis is in PDX exclusion collection "
            f"{cc['pdx_exclusion_collection']})"
            if cc and cc.get("pdx_exclusion_collection")
            else ""
        )
        + ".",
        (),
        tuple(facts.get("sources", {}).get("cc_mcc", ())),
    )
    hcc = facts.get("hcc", {})
    v28 = ", ".join(f"HCC {h['hcc']} ({h['label']})" for h in hcc.get("V28", []))
    v24 = ", ".join(f"HCC {h['hcc']} ({h['label']})" for h in hcc.get("V24", []))
    put(
        f"Does {node.code} map to an HCC?",
        f"CMS-HCC V28: {v28 or 'no HCC'}; V24: {v24 or 'no HCC'}.",
        (),
        tuple(facts.get("sources", {}).get("hcc", ())),
    )
    if facts.get("valid_from"):
        src = s.cite.add(
            "code-history",
            node.code,
            f"{node.code} valid {facts['valid_from']} to {facts.get('valid_to') or kb.horizon()[1]}",
            mce,
        )
        put(
            f"When was {node.code} valid?",
            f"From {facts['valid_from']}"
            + (
                f" to {facts['valid_to']}"
                if facts.get("valid_to")
                else " to the end of the validity table, " + kb.horizon()[1]
            )
            + ".",
            (),
            (src,),
        )
    instr = s.instructions()[:4]
    if instr:
        named = s.narrow_patterns([n for i in instr for n in i.notes], focus=True)
        put(
            f"What must be coded first or in addition to {node.code}?",
            " ".join(f"{_label(i.kind)} (at {i.source}): {i.text}." for i in instr),
            named,
            tuple(s.cite.note(n) for i in instr for n in i.notes),
        )
    return out


def partner(s: Subject, ref: Any) -> str | None:
    """A billable code a reference names (itself when it is one): the partner a pair question asks about."""
    keys = s.kb.code_keys()
    i = bisect_left(keys, ref.lo)
    while i < len(keys) and keys[i] <= ref.hi:
        k = keys[i]
        if ref.matches(k) and s.kb.period_on(k, s.day) is not None:
            return s.kb.get(k).code
        i += 1
    return None


def _label(kind: str) -> str:
    return {"code_first": "Code first", "use_additional": "Use additional code", "code_also": "Code also"}[
        kind
    ]
