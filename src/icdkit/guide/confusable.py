"""Codes a coder mixes up with this one, each with how to tell them apart.

* the same axis value under a sibling category (M54.03 and M54.13, both "cervicothoracic
  region"), worked out at build time (``rel_cousins``, see :mod:`icdkit.build.relations`);
* siblings that differ only on laterality, encounter, acuity, stage, trimester or severity;
* the other columns of the same Drug Table or Neoplasm Table row (T39.1X1A and T39.1X5A);
* Excludes1 targets whose words are near this code's title (M54.03 and M79.3, panniculitis).

>>> from icdkit import KnowledgeBase
>>> from icdkit.guide.subject import Subject
>>> s = Subject.of(KnowledgeBase.open("FY2026"), "M54.03", None)
>>> [c.code for c in confusable(s)][:1]
['M54.13']
"""

from __future__ import annotations

import json

from icdkit import codes as codelib
from icdkit.guide.model import Confusable
from icdkit.guide.subject import Subject
from icdkit.models import Code
from icdkit.titles import added
from icdkit.vocabulary import TABLE_HEADINGS, content, words

MAX_CONFUSABLE = 10
MAX_SIBLINGS = 4  # siblings differing on one axis, nearest in the list first
_NEAR_AXES = {"laterality", "encounter", "acuity", "stage", "trimester", "severity", "complication", "region"}


def confusable(s: Subject) -> list[Confusable]:
    if not s.coded:
        return []
    out: list[Confusable] = []
    seen = {s.node.key}

    def put(key: str, difference: str, sources: tuple[str, ...], shown: str | None = None) -> None:
        if key in seen or len(out) >= MAX_CONFUSABLE:
            return
        other = s.kb.find(key)
        code = shown or (other.code if other else "")
        if other is None or not s.fits((code,)):
            return
        seen.add(key)
        out.append(Confusable(code, other.title, difference, sources))

    kb, node = s.kb, s.node
    mine = kb.get(node.parent_key) if node.parent_key else None
    for other, value in (
        kb.connection()
        .execute("SELECT other, value FROM rel_cousins WHERE key=? ORDER BY other", (node.key,))
        .fetchall()
    ):
        o = kb.find(other)
        if o is None or o.parent_key is None or mine is None:
            continue
        theirs = kb.get(o.parent_key)
        grand = kb.get(mine.parent_key) if mine.parent_key else mine
        a, b = added(mine.title, grand.title), added(theirs.title, grand.title)
        pair = (
            s.cite.add("tabular", node.code, f"{node.code} {node.title}"),
            s.cite.add("tabular", o.code, f"{o.code} {o.title}"),
        )
        put(
            other,
            f"both name the {value}; {node.code} is {a} ({mine.code}), {o.code} is {b} ({theirs.code}).",
            pair,
        )
    _table_rows(s, put)
    mine_words = set(content(words(node.title)))
    for depth, lv in enumerate(s.levels[:2]):
        if depth > 0 and lv.axis not in _NEAR_AXES:
            continue
        here = [c.key for c in lv.siblings] + [lv.node.key]
        here.sort()
        at = here.index(lv.node.key)

        def rank(c: Code, at: int = at, here: list[str] = here) -> tuple[int, int]:
            shared = len(mine_words & set(content(words(c.title))))
            return (-shared, abs(here.index(c.key) - at))

        nearest = sorted(lv.siblings, key=rank)[:MAX_SIBLINGS]
        for sib in nearest:
            v = added(sib.title, lv.parent.title)
            level_src = (
                s.cite.add(
                    "tabular",
                    lv.parent.code,
                    f"{lv.parent.code} {lv.parent.title}: "
                    + "; ".join(f"{c.code} {c.title}" for c in lv.siblings[:10]),
                ),
            )
            if lv.node.key == node.key:
                put(sib.key, f"{lv.label}: {node.code} is “{lv.value}”, {sib.code} is “{v}”.", level_src)
            else:  # the same place under a sibling of an ancestor: the matching code there
                twin = kb.find(sib.key + node.key[len(lv.node.key) :])
                if twin is not None:
                    text = f"{lv.label}: {node.code} is “{lv.value}”, {twin.code} is “{v}”."
                    put(twin.key, text, level_src)
    own = set(content(words(node.title)))
    for n in s.excludes1:
        near = own & set(content(words(n.text)))
        if not near:
            continue
        shared = ", ".join(sorted(near))
        for r in n.refs:
            if not (codelib.is_code_key(r.lo) and s.narrow(r)):
                continue
            if r.lo == r.hi.rstrip("~"):
                twin = kb.find(r.lo + node.key[len(r.lo) :]) if len(r.lo) < len(node.key) else None
                if twin is not None and twin.key[:3] != node.key[:3] and twin.title != node.title:
                    # the same place under the excluded category: E10.10 -> E13.10 for "(E13.-)"
                    put(
                        twin.key,
                        f"Excludes1 at {n.source}: {n.text} is {r.pattern}; the code there that "
                        f"matches {node.code} is {twin.code}. They share “{shared}”.",
                        (s.cite.note(n),),
                    )
                    continue
                put(
                    r.lo,
                    f"Excludes1 at {n.source}: {n.text} is {r.pattern}, not {node.code}; "
                    f"they share “{shared}”.",
                    (s.cite.note(n),),
                )
    return out


def _table_rows(s: Subject, put) -> None:  # type: ignore[no-untyped-def]
    """The other columns of the Drug or Neoplasm Table rows that print this code."""
    con = s.kb.connection()
    key = s.node.key
    printed = [s.code, *(codelib.dotted(key[:n]) for n in (6,) if len(key) == 7)]
    printed += [codelib.dotted(key[:n]) for n in range(min(len(key), 6), 3, -1)]  # printed "C50.9-"
    rows = 0
    for code in dict.fromkeys(printed):
        if rows >= 2:
            break
        for _term, col, book, cells, title in con.execute(
            "SELECT c.term, c.col, t.book, t.cells, t.title FROM index_codes c JOIN index_terms t "
            "ON t.id=c.term WHERE c.code=? AND t.book IN ('drug','neoplasm') LIMIT 2",
            (code,),
        ).fetchall():
            rows += 1
            heads = TABLE_HEADINGS[book]
            short = len(code.replace(".", "")) < len(s.node.key) - (1 if s.node.seventh_owner else 0)
            mine = f"{code}- (here {s.code})" if short else s.code
            for i, other in enumerate(json.loads(cells or "[]")):
                if i == col or not other or other in ("--", "-"):
                    continue
                k = codelib.without_dash(other).replace(".", "")
                shown = other if other.endswith("-") else None
                if len(s.node.key) == 7 and len(k) == 6:
                    k += s.node.key[6]
                    shown = None
                kind = "drug-table" if book == "drug" else "neoplasm-table"
                src = s.cite.add(
                    kind,
                    title,
                    f"{title}: "
                    + " | ".join(
                        f"{heads[j]} {c}"
                        for j, c in enumerate(json.loads(cells or "[]"))
                        if c and c not in ("--", "-")
                    ),
                    "Index",
                )
                put(
                    k,
                    f"the same {'substance' if book == 'drug' else 'site'} ({title}) in another column: "
                    f"{heads[col] if col is not None else ''} is {mine}, {heads[i]} is {other}.",
                    (src,),
                    shown,
                )
