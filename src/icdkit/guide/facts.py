"""The facts of a guide: status, place in the classification, region, 7th character, CC/MCC,
CMS-HCC, MCE edits, validity history and ICD-9-CM equivalents — each cited.

>>> from icdkit import KnowledgeBase
>>> kb = KnowledgeBase.open("FY2026")
>>> f, _ = facts(kb, kb.get("M54.03"), kb.effective, Citations("FY2026"))
>>> f["status"], f["chapter"]["number"], f["region"]["name"], f["seventh_character"]["required"]
('billable', '13', 'Spine', False)
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from typing import Any

from icdkit.errors import IcdkitError
from icdkit.guide.sources import Citations
from icdkit.kb import KnowledgeBase
from icdkit.models import Code

_MODELS = {"V28": "CMS-HCC Model V28", "V24": "CMS-HCC Model V24"}
MAX_LISTED = 12  # billable codes of a header listed in its facts (the count is always given)


def fiscal_year(day: str) -> int:
    """The federal fiscal year of an ISO date (FY2026 began 2025-10-01)."""
    d = dt.date.fromisoformat(day)
    return d.year + 1 if d.month >= 10 else d.year


@lru_cache(maxsize=1)
def _regions() -> tuple[tuple[str, str, str], ...]:
    text = resources.files("icdkit.guide").joinpath("data/regions.tsv").read_text(encoding="utf-8")
    rows = [
        tuple(line.split("\t")) for line in text.splitlines() if line.strip() and not line.startswith("#")
    ]
    return tuple((a, b, c) for a, b, c in rows)


def region(category: str) -> tuple[str, str] | None:
    """(region, the range that says so) for a category key; the narrowest range wins."""
    cat = category[:3]
    hits = [(lo, hi, name) for lo, hi, name in _regions() if lo <= cat <= hi]
    if not hits:
        return None
    lo, hi, name = min(hits, key=lambda r: (r[1] != r[0], _width(r[0], r[1])))
    return name, f"{lo}-{hi}"


def _width(lo: str, hi: str) -> int:
    def num(c: str) -> int:
        return (ord(c[0]) - 65) * 100 + (int(c[1:3]) if c[1:3].isdigit() else 99)

    return num(hi) - num(lo)


def status(kb: KnowledgeBase, node: Code, day: str) -> str:
    """billable | header | deleted | not yet valid | chapter | block, on date *day*."""
    if node.kind in ("chapter", "block"):
        return node.kind
    periods = kb.periods(node.key)
    if kb.period_on(node.key, day) is not None:
        return "billable"
    if periods and periods[-1].end < day:
        return "deleted"
    if periods and periods[0].start > day:
        return "not yet valid"
    return "header"


def facts(
    kb: KnowledgeBase, node: Code, day: str, cite: Citations
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(facts, history) of *node* on date *day*."""
    ancestors = kb.ancestors(node.key)
    chapter = next((a for a in ancestors if a.kind == "chapter"), node if node.kind == "chapter" else None)
    block = next((a for a in ancestors if a.kind == "block"), node if node.kind == "block" else None)
    state = status(kb, node, day)
    periods = kb.periods(node.key)
    period = kb.period_on(node.key, day) if node.kind not in ("chapter", "block") else None
    valid_src = cite.add(
        "valid-code-set", node.code, _validity_text(node, periods, day), kb.meta.get("mce_source", "")
    )
    out: dict[str, Any] = {
        "status": state,
        "billable": state == "billable",
        "kind": node.kind,
        "date": day,
        "sources": {"status": [valid_src]},
    }
    tab = cite.add("tabular", node.code, f"{node.code} {node.title}")
    if chapter:
        out["chapter"] = {"number": chapter.code, "title": chapter.title}
        out["sources"]["chapter"] = [cite.add("tabular", f"chapter {chapter.code}", chapter.title)]
    if block:
        out["block"] = {"range": block.code, "title": block.title}
        out["sources"]["block"] = [cite.add("tabular", block.code, block.title)]
    if node.parent and ancestors and ancestors[0].kind in ("category", "subcategory", "code"):
        p = ancestors[0]
        out["parent"] = {"code": p.code, "title": p.title, "billable": kb.period_on(p.key, day) is not None}
    cat = (
        node.key
        if node.kind in ("category", "subcategory", "code")
        else (kb.block_range(block.key)[0] if block else None)
    )
    reg = region(cat) if cat else None
    if reg:
        out["region"] = {"name": reg[0], "range": reg[1]}
        out["sources"]["region"] = [
            cite.add("region-map", reg[1], f"{reg[1]} → {reg[0]} (icdkit data/regions.tsv)", "icdkit")
        ]
    sevenths = kb.seventh_characters(node.key)
    if node.kind in ("category", "subcategory", "code"):
        seventh: dict[str, Any] = {"required": bool(node.seventh_owner)}
        if node.seventh_owner:
            owner = kb.get(node.seventh_owner)
            seventh["owner"] = owner.code
            seventh["characters"] = sevenths
            seventh["placeholder"] = (len(node.key) == 7 and "X" in node.key[4:6]) or (
                len(node.key) < 6 and not node.billable
            )
            out["sources"]["seventh_character"] = [
                cite.add(
                    "tabular-note",
                    owner.code,
                    "7th characters: " + "; ".join(f"{c} {m}" for c, m in sevenths.items()),
                )
            ]
        else:
            out["sources"]["seventh_character"] = [tab]
        out["seventh_character"] = seventh
        sev = kb.severity(node.key)
        src = kb.meta.get("severity_source", "MS-DRG v43")
        out["cc_mcc"] = {"level": sev[0], "pdx_exclusion_collection": sev[1]} if sev else None
        out["sources"]["cc_mcc"] = [
            cite.add(
                "ms-drg",
                node.code,
                f"{node.code}: {sev[0]}" + (f", PDX exclusion collection {sev[1]}" if sev[1] else "")
                if sev
                else f"{node.code} is on neither the CC list (6J) nor the MCC list (6I)",
                src,
            )
        ]
        hcc: dict[str, Any] = {}
        records = kb.hcc(node.key)
        for version, model in _MODELS.items():
            mine = [r for r in records if r["model"] == model]
            if mine:
                last = max(int(str(r["year"])) for r in mine)
                hcc[version] = [
                    {"hcc": r["hcc"], "label": r["label"], "year": r["year"]}
                    for r in mine
                    if r["year"] == last
                ]
            else:
                hcc[version] = []
        out["hcc"] = hcc
        out["sources"]["hcc"] = [
            cite.add(
                "cms-hcc",
                node.code,
                "; ".join(
                    f"{v}: "
                    + (", ".join(f"HCC {h['hcc']} {h['label'] or ''}".strip() for h in hs) or "no HCC")
                    for v, hs in hcc.items()
                ),
                kb.meta.get("hcc_source", "CMS-HCC"),
            )
        ]
        flags = list(period.flags) if period else []
        ranges = kb.age_ranges(on=day)
        out["mce"] = {
            "flags": flags,
            "age_ranges": {f: {"min": ranges[f][0], "max": ranges[f][1]} for f in flags if f in ranges},
        }
        out["sources"]["mce"] = [
            cite.add(
                "mce",
                node.code,
                f"{node.code} on {day}: " + (", ".join(flags) or "no MCE edit"),
                kb.meta.get("mce_source", "MCE"),
            )
        ]
        gems = (
            kb.connection()
            .execute("SELECT icd9, flags FROM gem WHERE key=? ORDER BY icd9", (node.key,))
            .fetchall()
        )
        out["icd9_gem"] = [
            {"code": _icd9(c), "approximate": f[1:2] == "1", "combination": f[3:4] == "1"} for c, f in gems
        ]
        if gems:
            out["sources"]["icd9_gem"] = [
                cite.add(
                    "gem",
                    node.code,
                    f"{node.code} → " + ", ".join(_icd9(c) for c, _ in gems),
                    kb.meta.get("gem_source", "GEMs (frozen)"),
                )
            ]
    if periods:
        out["valid_from"] = periods[0].start
        out["valid_to"] = periods[-1].end if periods[-1].end < kb.horizon()[1] else None
    if state in ("header", "chapter", "block"):
        codes = kb.descendants(node.key, billable_only=True)
        out["billable_codes"] = {"count": len(codes), "first": [c.code for c in codes[:MAX_LISTED]]}
    if state == "deleted":
        out["replacements"] = [c.code for c in kb.replacements(node.key)[:MAX_LISTED]]
    revised = title_revisions(kb, node, cite)
    if revised:
        out["title_revisions"] = [{k: v for k, v in r.items() if k != "sources"} for r in revised]
        out["sources"]["title_revisions"] = list(dict.fromkeys(i for r in revised for i in r["sources"]))
    history = _history(kb, node, periods, cite)
    history += [
        {"date": r["from"], "event": r["event"], "sources": r["sources"]} for r in revised
    ]
    history.sort(key=lambda h: h["date"])
    return out, history


def title_revisions(kb: KnowledgeBase, node: Code, cite: Citations) -> list[dict[str, Any]]:
    """Where the title of *node* differs between two consecutive releases icdkit holds, both
    titles, each cited in its own release, and which one wins (the newer, from the first day of
    its fiscal year). One indexed lookup per release, no scan: L02.212 "Cutaneous abscess of back
    [any part, except buttock]" (FY2025) became "… except buttock and flank" in FY2026."""
    titles: list[tuple[str, str]] = []
    for name in kb.release_names():
        try:
            other = kb.other(name)
        except IcdkitError:  # a release named in the store but not openable: skip it
            continue
        if other is kb:
            titles.append((name, node.title))
            continue
        # one indexed read, not find(): the other release is never cached or preloaded here
        # (a server or an export holds one release in memory, not two)
        row = other.connection().execute("SELECT title FROM nodes WHERE key=?", (node.key,)).fetchone()
        if row is not None:
            titles.append((name, row[0]))
    out = []
    for (old, before), (new, after) in pairwise(titles):
        if before == after:
            continue
        year = new[2:] if new.startswith("FY") and new[2:].isdigit() else ""
        start = f"{int(year) - 1}-10-01" if year else ""
        sources = [
            cite.add("tabular", node.code, f"{node.code} {before}", old),
            cite.add("tabular", node.code, f"{node.code} {after}", new),
        ]
        wins = f"{new}'s title wins" + (f" from {start}" if start else "")
        out.append(
            {
                "release": new,
                "previous_release": old,
                "title": after,
                "previous_title": before,
                "from": start or new,
                "event": f"title revised in {new}: {old} “{before}”, {new} “{after}” ({wins}).",
                "sources": sources,
            }
        )
    return out


def _icd9(code: str) -> str:
    """ICD-9-CM display form: a dot after the third character (E and V codes: fourth / third)."""
    if code.startswith("E"):
        return code if len(code) <= 4 else f"{code[:4]}.{code[4:]}"
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def _validity_text(node: Code, periods: list[Any], day: str) -> str:
    if not periods:
        return f"{node.code} is not in the valid-code set on any date (a header: it is never reported)"
    spans = "; ".join(f"{p.start} to {p.end}" for p in periods)
    return f"{node.code} is in the valid-code set {spans}"


def _history(kb: KnowledgeBase, node: Code, periods: list[Any], cite: Citations) -> list[dict[str, Any]]:
    out = []
    first_day = kb.horizon()[0]
    for i, p in enumerate(periods):
        src = cite.add(
            "code-history",
            node.code,
            f"{node.code} valid {p.start} to {p.end}",
            kb.meta.get("mce_source", ""),
        )
        if p.start == first_day:
            event = f"in ICD-10-CM since its start ({p.start})"
        else:
            event = (
                f"added in FY{fiscal_year(p.start)} (valid from {p.start})"
                if i == 0
                else f"valid again from {p.start} (FY{fiscal_year(p.start)})"
            )
        out.append({"date": p.start, "event": event, "sources": [src]})
        if p.end < kb.horizon()[1]:
            out.append(
                {
                    "date": p.end,
                    "event": f"last valid {p.end} (deleted in FY{fiscal_year(p.end) + 1})",
                    "sources": [src],
                }
            )
    return out
