"""A code's history across releases: the release in force on a date, and what icdkit can still
say of a code the release at hand does not hold (deleted, or added after it).

>>> kb = KnowledgeBase.open("FY2026")
>>> release_in_force(kb, "2021-06-01")["release"], release_in_force(kb, "2021-06-01")["update"]
('FY2021', '2021-01-01')
>>> title, source = title_of(kb, "H4011X0")
>>> title, source["from"], source["seventh_character"]
('Primary open-angle glaucoma, stage unspecified', 'H40.11', '0')
>>> nearest_ancestor(kb, "C7831").code
'C78.3'
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from icdkit.dates import fiscal_year, fiscal_year_bounds
from icdkit.kb import KnowledgeBase
from icdkit.models import Code

_CHANGE_DATES: dict[str, tuple[str, ...]] = {}  # by store path: read once per process


def change_dates(kb: KnowledgeBase) -> tuple[str, ...]:
    """Every date on which the valid-code set changed (a release or a mid-year update), sorted."""
    key = str(kb.path)
    got = _CHANGE_DATES.get(key)
    if got is None:
        con = kb.connection()
        starts = {r[0] for r in con.execute("SELECT DISTINCT start FROM validity")}
        ends = {(dt.date.fromisoformat(r[0]) + dt.timedelta(days=1)).isoformat()
                for r in con.execute("SELECT DISTINCT end FROM validity")}
        hi = kb.horizon()[1]
        got = _CHANGE_DATES[key] = tuple(sorted(d for d in starts | ends if d <= hi))
    return got


def release_in_force(kb: KnowledgeBase, day: str) -> dict[str, Any]:
    """The fiscal-year release in force on *day* (ISO), its dates, the mid-year update then in
    force (the last date within that year, after 1 October, on which codes changed), and whether
    icdkit holds that release's tabular (``available``)."""
    year = fiscal_year(dt.date.fromisoformat(day))
    start, end = fiscal_year_bounds(year)
    updates = [d for d in change_dates(kb) if start < d <= day]
    name = f"FY{year}"
    return {"release": name, "from": start, "to": end, "update": updates[-1] if updates else None,
            "available": name in kb.release_names()}


def holding_release(kb: KnowledgeBase, key: str, *, skip: str = "") -> tuple[KnowledgeBase, Code] | None:
    """The newest release icdkit has (other than *skip*) whose tabular holds *key*, with its node."""
    for name in reversed(kb.release_names()):
        if name == skip:
            continue
        other = kb.other(name)
        node = other.find(key)
        if node is not None:
            return other, node
    return None


def _releases_newest_first(kb: KnowledgeBase) -> list[KnowledgeBase]:
    names = kb.release_names()
    return [kb, *(kb.other(n) for n in reversed(names) if n != kb.release)]


def title_of(kb: KnowledgeBase, key: str) -> tuple[str | None, dict[str, Any]]:
    """The title of a code no release at hand holds, and where it comes from.

    A code with a 7th character whose base (less its placeholder X) a release holds is given the
    title the tabular would compose: the base's title and the 7th character's meaning, as every
    7th-character code's title is written (H40.11X0 → "Primary open-angle glaucoma, stage
    unspecified"). Otherwise the title is unknown (None).
    """
    if len(key) == 7:
        base = key[:6].rstrip("X")
        for rel in _releases_newest_first(kb):
            node = rel.find(base)
            if node is None:
                continue
            meaning = rel.seventh_characters(node.key).get(key[6])
            if meaning:
                return (f"{node.title}, {meaning}",
                        {"kind": "composed", "from": node.code, "seventh_character": key[6],
                         "release": rel.release})
    return None, {"kind": "unknown"}


def nearest_ancestor(kb: KnowledgeBase, key: str) -> Code | None:
    """The longest prefix of *key* that *kb*'s tabular holds (C78.31 → C78.3)."""
    for n in range(len(key) - 1, 2, -1):
        node = kb.find(key[:n].rstrip("X") or key[:3])
        if node is not None:
            return node
    return None
