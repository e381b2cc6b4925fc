"""Everything known about one code, as a JSON-ready dict (the ``lookup`` contract).

The CLI's ``icdkit lookup --json`` and the HTTP API's ``/api/codes/{code}`` both return
:func:`describe_code`; the human views render the same dict.

>>> kb = KnowledgeBase.open()
>>> d = describe_code(kb, "M54.03")
>>> d["billable"], d["block"]["range"], [n["source"] for n in d["notes"]["excludes1"]][:1]
(True, 'M50-M54', ['M54.0'])
>>> old = describe_code(kb, "M54.5", on="2021-06-01")  # a header now, billable then
>>> old["status"], old["on_date"]["release_in_force"]["release"], old["on_date"]["tabular_from"]
('billable', 'FY2021', 'FY2026')
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from icdkit import codes
from icdkit.errors import MalformedCode
from icdkit.history import holding_release, nearest_ancestor, release_in_force, title_of
from icdkit.kb import KnowledgeBase
from icdkit.models import NOTE_KEYS, Code, Note, Period
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


def describe_code(kb: KnowledgeBase, code: str, *, on: dt.date | str | None = None,
                  follow_date: bool = True) -> dict[str, Any]:
    """The full lookup record of *code*; *on* (a date of service) gives that date's truth.

    The valid-code set by date decides ``status`` and billable on the date; the tabular decides
    hierarchy, titles and notes. With *on* and *follow_date*, the tabular is that of the release
    in force on the date when icdkit has it (else *kb*'s, and ``on_date`` says so). A code *kb*
    lacks is described from the newest release holding it, else as far as icdkit knows (see
    :func:`_beyond_tabular`): H40.11X0, deleted 2016-10-01, answers with its validity, a title
    composed from H40.11 and its 7th character, and its replacements.
    """
    day = kb.check_date(on) if on is not None else None
    when = day or kb.effective
    in_force = release_in_force(kb, day) if day else None
    tab = kb
    if in_force and follow_date and in_force["available"]:
        tab = kb.other(in_force["release"])
    node = tab.find(code)
    k = node.key if node is not None else _code_key(kb, code)
    if node is None:
        held = holding_release(kb, k, skip=tab.release)
        if held is not None:
            tab, node = held
    if node is None:
        if not kb.periods(k):
            kb.get(code)  # raises UnknownCode with suggestions
        out = _beyond_tabular(kb, k, day)
    else:
        out = _in_tabular(kb, tab, node, day)
    periods = kb.periods(k)
    period = kb.period_on(k, when)
    out["status"] = _status(node is not None and not node.billable, node is not None,
                            period is not None, periods, when)
    out["status_date"] = when
    if day is not None and in_force is not None:
        out["on_date"] = {
            "date": day,
            "valid": period is not None,
            "mce_flags": list(period.flags) if period else [],
            "billable": period is not None,
            "release_in_force": in_force,
            "tabular_from": out["release"],
            "note": _date_note(kb, day, in_force, out),
        }
    if periods and (periods[-1].end < kb.horizon()[1] or (day and periods[-1].end < day)):
        out["replacements"] = [_brief(c) for c in kb.replacements(k)]
    return out


def _code_key(kb: KnowledgeBase, code: str) -> str:
    """The key of a code *kb* does not hold; a block or chapter it lacks is UnknownCode."""
    try:
        return codes.key(code)
    except MalformedCode:
        kb.get(code)  # "M50-M99", "99": well-formed as a block or chapter, unknown as such
        raise


def _status(header: bool, in_tabular: bool, valid: bool, periods: list[Period], when: str) -> str:
    """billable | header | deleted | not-yet-valid | not-in-tabular, on the status date *when*:
    the valid-code set decides (a header of the tabular valid on the date is billable then)."""
    if valid:
        return "billable" if in_tabular else "not-in-tabular"
    if header:
        return "header"
    if any(p.start > when for p in periods):
        return "not-yet-valid"
    return "deleted"


def _date_note(kb: KnowledgeBase, day: str, in_force: dict[str, Any], out: dict[str, Any]) -> str:
    """One sentence a person reads: which release was in force and whose tabular is shown."""
    update = f", updated {in_force['update']}" if in_force["update"] else ""
    said = (f"On {day} the {in_force['release']} release was in force "
            f"({in_force['from']} to {in_force['to']}{update}). ")
    if in_force["release"] == out["release"]:
        return said + f"Hierarchy and notes are from its tabular: {out['release_label']}."
    lacks = ("icdkit lacks its tabular" if not in_force["available"]
             else f"its tabular does not hold {out['code']}")
    return said + (f"{lacks}; the hierarchy and notes shown are from {out['release_label']}. "
                   "Validity and billable status on the date are from the valid-code table, "
                   f"{kb.meta.get('mce_source')}.")


def _in_tabular(kb: KnowledgeBase, tab: KnowledgeBase, node: Code, day: str | None) -> dict[str, Any]:
    """The record of a node of *tab* (the tabular used); validity and history from *kb*."""
    from icdkit.search.navigate import entries_for

    ancestors = tab.ancestors(node.key)
    chapter = next((a for a in ancestors if a.kind == "chapter"), node if node.kind == "chapter" else None)
    block = next((a for a in ancestors if a.kind == "block"), node if node.kind == "block" else None)
    notes: dict[str, list[dict[str, Any]]] = {k: [] for k in NOTE_JSON_KEYS}
    for n in tab.effective_notes(node.key):
        notes[n.key].append(_note(n, node.code))
    periods = kb.periods(node.key)
    severity = kb.severity(node.key)
    out: dict[str, Any] = {
        "code": node.code,
        "title": node.title,
        "title_source": {"kind": "tabular", "release": tab.release},
        "kind": node.kind,
        "billable": node.billable,
        "release": tab.release,
        "release_label": tab.label,
        "chapter": {"number": chapter.code, "title": chapter.title} if chapter else None,
        "block": {"range": block.code, "title": block.title} if block else None,
        "parent": ancestors[0].code if ancestors else None,
        "ancestors": [_brief(a) for a in ancestors],
        "children": [_brief(c) for c in tab.children(node.key)],
        "siblings": [_brief(c) for c in tab.siblings(node.key)],
        "notes": notes,
        "seventh_characters": tab.seventh_characters(node.key),
        "seventh_character_terms": tab.seventh_terms(node.key),
        **_validity(kb, periods),
        "cc_mcc": severity[0] if severity else None,
        "cc_mcc_pdx_exclusion_collection": severity[1] if severity else None,
        "hcc": kb.hcc(node.key),
        "mce": _mce(kb, node.key, day),
        "index_entries": entries_for(tab, node.code) if node.kind not in ("chapter", "block") else [],
        "sources": _sources(kb, tab),
    }
    if node.short_title:
        out["short_title"] = node.short_title
    if node.is_header:
        out["billable_descendants"] = [c.code for c in tab.descendants(node.key, billable_only=True)]
        if node.seventh_owner and not node.billable:
            out["seventh_character_required"] = True
    return out


def _beyond_tabular(kb: KnowledgeBase, key: str, day: str | None) -> dict[str, Any]:
    """What icdkit knows of a code in the validity table that no bundled tabular holds.

    Its validity, cc/mcc and hcc by key; a title composed from its base and 7th character
    (else unknown); its nearest ancestor in *kb*'s tabular, with that ancestor's chapter, block
    and notes (each marked inherited: C78.31, added 2026-10-01, gets C78.3's and C78's notes).
    """
    title, title_source = title_of(kb, key)
    anc = nearest_ancestor(kb, key)
    code = codes.dotted(key)
    ancestors = [anc, *kb.ancestors(anc.key)] if anc else []
    chapter = next((a for a in ancestors if a.kind == "chapter"), None)
    block = next((a for a in ancestors if a.kind == "block"), None)
    notes: dict[str, list[dict[str, Any]]] = {k: [] for k in NOTE_JSON_KEYS}
    for n in kb.effective_notes(anc.key) if anc else ():
        notes[n.key].append(_note(n, code))
    periods = kb.periods(key)
    severity = kb.severity(key)
    when = day or kb.effective
    return {
        "code": code,
        "title": title,
        "title_source": title_source,
        "kind": "code",
        "billable": kb.period_on(key, when) is not None,
        "release": kb.release,
        "release_label": kb.label,
        "chapter": {"number": chapter.code, "title": chapter.title} if chapter else None,
        "block": {"range": block.code, "title": block.title} if block else None,
        "parent": anc.code if anc else None,
        "nearest_ancestor": ({**_brief(anc), "release": kb.release} if anc else None),
        "ancestors": [_brief(a) for a in ancestors],
        "children": [],
        "siblings": [],
        "notes": notes,
        "seventh_characters": {},
        **_validity(kb, periods),
        "cc_mcc": severity[0] if severity else None,
        "cc_mcc_pdx_exclusion_collection": severity[1] if severity else None,
        "hcc": kb.hcc(key),
        "mce": _mce(kb, key, day),
        "index_entries": [],
        "sources": _sources(kb, kb),
    }


def _validity(kb: KnowledgeBase, periods: list[Period]) -> dict[str, Any]:
    horizon_end = kb.horizon()[1]
    return {
        "valid_from": periods[0].start if periods else None,
        "valid_to": (periods[-1].end if periods and periods[-1].end < horizon_end else None),
        "validity": [{"from": p.start, "to": p.end} for p in periods],
    }


def _sources(kb: KnowledgeBase, tab: KnowledgeBase) -> dict[str, Any]:
    meta = kb.meta
    return {
        "tabular": f"ICD-10-CM Tabular List, {tab.label}",
        "billable": tab.meta.get("billable_source"),
        "validity": meta.get("mce_source"),
        "cc_mcc": meta.get("severity_source"),
        "hcc": meta.get("hcc_source"),
        "index": json.loads(tab.meta.get("index_source", "{}")).get("release"),
        "files": json.loads(tab.meta.get("sources", "[]")),
    }


def _mce(kb: KnowledgeBase, key: str, day: str | None) -> dict[str, Any]:
    when = day or kb.effective
    period = kb.period_on(key, when)
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
