"""The summary and the clinical-context paragraph, composed from the facts and sections
(no clinical claim the official files do not make).

>>> from icdkit import KnowledgeBase
>>> from icdkit.guide import guide
>>> guide(KnowledgeBase.open("FY2026"), "M54.2").summary.split(":")[0]
'M54.2 (Cervicalgia) is a billable code'
"""

from __future__ import annotations

from typing import Any

from icdkit.guide.model import Confusable, Related
from icdkit.guide.subject import Subject


def summary(s: Subject, facts: dict[str, Any]) -> str:
    node = s.node
    state = facts["status"]
    what = {
        "billable": "a billable code",
        "header": "a header (not billable)",
        "deleted": "a deleted code",
        "not yet valid": "a code not yet valid",
        "chapter": "a chapter",
        "block": "a block",
    }[state]
    where = []
    if "chapter" in facts and node.kind != "chapter":
        where.append(f"chapter {facts['chapter']['number']} ({facts['chapter']['title']})")
    if "block" in facts and node.kind not in ("chapter", "block"):
        where.append(f"block {facts['block']['range']}")
    parent = facts.get("parent")
    if parent:
        where.append(
            f"under {parent['code']} ({parent['title']}"
            + ("" if parent["billable"] else ", not billable on its own")
            + ")"
        )
    text = f"{node.code} ({node.title}) is {what}: " + ", ".join(where) + f", on {s.day}."
    if state == "header":
        n = facts.get("billable_codes", {}).get("count", 0)
        text += f" It has {n} billable code{'s' if n != 1 else ''} beneath it."
    also = list(dict.fromkeys(e["path"] for e in s.entries if e["book"] == "index"))[:3]
    terms = [n.text for n in s.of_kind("inclusion_term") if n.source == node.code][:3]
    if also or terms:
        text += " Also indexed as: " + "; ".join(dict.fromkeys([*terms, *also])) + "."
    return text


def context(s: Subject, facts: dict[str, Any], confusable: list[Confusable], related: list[Related]) -> str:
    """A short paragraph: where the code sits, what governs it, what it is confused with."""
    node = s.node
    if not s.coded:
        count = facts.get("billable_codes", {}).get("count", 0)
        return f"{node.code} ({node.title}) groups {count} billable codes."
    parts = []
    parent = facts.get("parent")
    if parent:
        parts.append(
            f"{node.code} sits under {parent['code']} ({parent['title']})"
            + (", which is not billable on its own." if not parent["billable"] else ".")
        )
    ex = [n for n in s.excludes1 if any(s.narrow(r) for r in n.refs)]
    if ex:
        parts.append(
            f"{len(ex)} Excludes1 note{'s' if len(ex) != 1 else ''} govern{'s' if len(ex) == 1 else ''} it: "
            + "; ".join(f"{n.text} (at {n.source})" for n in ex[:5])
            + "."
        )
    if s.levels and s.levels[0].axis != "type":
        lv = s.levels[0]
        parts.append(f"Among its siblings it is told apart by {lv.label}: “{lv.value}”.")
    if confusable:
        c = confusable[0]
        parts.append(f"It is most easily confused with {c.code} ({c.title}).")
    if related:
        parts.append("Reported with it: " + ", ".join(r.code for r in related[:4]) + ".")
    cc = facts.get("cc_mcc")
    v28 = facts.get("hcc", {}).get("V28", [])
    parts.append(
        "It is "
        + (
            f"a{'n' if cc and cc['level'] == 'MCC' else ''} {cc['level']}"
            if cc
            else "neither a CC nor an MCC"
        )
        + " under MS-DRG v43 and "
        + ("maps to " + ", ".join(f"HCC {h['hcc']}" for h in v28) if v28 else "maps to no HCC")
        + " in CMS-HCC V28."
    )
    return " ".join(parts)
