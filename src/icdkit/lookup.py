"""Everything known about one code, as a JSON-ready dict (the ``lookup`` contract).

The CLI's ``icdkit lookup --json`` and the HTTP API's ``/api/codes/{code}`` both return
:func:`describe_code`; the human views render the same dict.

>>> kb = KnowledgeBase.open()
>>> d = describe_code(kb, "M54.03")
>>> d["billable"], d["block"]["range"], [n["source"] for n in d["notes"]["excludes1"]][:1]
(True, 'M50-M54', ['M54.0'])
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from icdkit.kb import KnowledgeBase, parse_date
from icdkit.models import NOTE_KEYS, Code, Note
from icdkit.refs import describe

#: The JSON keys of ``notes``, always present (empty lists when a code has none).
NOTE_JSON_KEYS = tuple(dict.fromkeys(NOTE_KEYS.values()))


def _brief(c: Code) -> dict[str, Any]:
    return {"code": c.code, "title": c.title, "billable": c.billable, "kind": c.kind}


def _note(n: Note, own: str) -> dict[str, Any]:
    return {
        "text": n.text,
        "source": n.source,
        "source_kind": n.source_kind,
        "inherited": n.source != own,
        "refs": [describe(r) for r in n.refs],
    }


def describe_code(kb: KnowledgeBase, code: str, *, on: dt.date | str | None = None) -> dict[str, Any]:
    """The full lookup record of *code* in *kb*; *on* adds validity on a date of service."""
    from icdkit.search.navigate import entries_for

    day = parse_date(on)
    node = kb.get(code)
    ancestors = kb.ancestors(node.key)
    chapter = next((a for a in ancestors if a.kind == "chapter"), node if node.kind == "chapter" else None)
    block = next((a for a in ancestors if a.kind == "block"), node if node.kind == "block" else None)
    notes: dict[str, list[dict[str, Any]]] = {k: [] for k in NOTE_JSON_KEYS}
    for n in kb.effective_notes(node.key):
        notes[n.key].append(_note(n, node.code))
    periods = kb.periods(node.key)
    horizon_end = kb.horizon()[1]
    severity = kb.severity(node.key)
    meta = kb.meta
    out: dict[str, Any] = {
        "code": node.code,
        "title": node.title,
        "kind": node.kind,
        "billable": node.billable,
        "release": kb.release,
        "release_label": kb.label,
        "chapter": {"number": chapter.code, "title": chapter.title} if chapter else None,
        "block": {"range": block.code, "title": block.title} if block else None,
        "parent": ancestors[0].code if ancestors else None,
        "ancestors": [_brief(a) for a in ancestors],
        "children": [_brief(c) for c in kb.children(node.key)],
        "siblings": [_brief(c) for c in kb.siblings(node.key)],
        "notes": notes,
        "seventh_characters": kb.seventh_characters(node.key),
        "valid_from": periods[0].start if periods else None,
        "valid_to": (periods[-1].end if periods and periods[-1].end < horizon_end else None),
        "validity": [{"from": p.start, "to": p.end} for p in periods],
        "cc_mcc": severity[0] if severity else None,
        "cc_mcc_pdx_exclusion_collection": severity[1] if severity else None,
        "hcc": kb.hcc(node.key),
        "mce": _mce(kb, node, day),
        "index_entries": entries_for(kb, node.code) if node.kind not in ("chapter", "block") else [],
        "sources": {
            "tabular": f"ICD-10-CM Tabular List, {kb.label}",
            "billable": meta.get("billable_source"),
            "validity": meta.get("mce_source"),
            "cc_mcc": meta.get("severity_source"),
            "hcc": meta.get("hcc_source"),
            "index": json.loads(meta.get("index_source", "{}")).get("release"),
            "files": json.loads(meta.get("sources", "[]")),
        },
    }
    if node.short_title:
        out["short_title"] = node.short_title
    if node.is_header:
        billable = kb.descendants(node.key, billable_only=True)
        out["billable_descendants"] = [c.code for c in billable]
        if node.seventh_owner and not node.billable:
            out["seventh_character_required"] = True
    if day is not None:
        period = kb.period_on(node.key, day)
        out["on_date"] = {
            "date": day.isoformat(),
            "valid": period is not None,
            "mce_flags": list(period.flags) if period else [],
        }
    if periods and (periods[-1].end < horizon_end or (day and not out["on_date"]["valid"])):
        out["replacements"] = [_brief(c) for c in kb.replacements(node.key)]
    return out


def _mce(kb: KnowledgeBase, node: Code, day: dt.date | None) -> dict[str, Any]:
    when = day.isoformat() if day else kb.effective
    period = kb.period_on(node.key, when)
    flags = list(period.flags) if period else []
    ranges = kb.age_ranges(on=when)
    return {
        "date": when,
        "flags": flags,
        "age_ranges": {f: {"min": ranges[f][0], "max": ranges[f][1]} for f in flags if f in ranges},
    }


def error_record(exc: Exception) -> dict[str, Any]:
    """The one JSON shape of an error (CLI ``--json`` and HTTP)."""
    return {
        "error": {
            "type": getattr(exc, "code", "error"),
            "message": str(exc),
            "suggestions": list(getattr(exc, "suggestions", ()) or ()),
        }
    }
