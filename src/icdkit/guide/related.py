"""Codes reported with this one.

* its own and inherited Code first / Use additional code / Code also instructions;
* the reverse: notes elsewhere that name this code or an ancestor (G89's Excludes2 "spine
  pain (M54.-)": both may be reported; I12's "Use additional code to identify the stage of
  chronic kidney disease (N18.-)" seen from N18), worked out at build time (``rel_reverse``);
* codes the Index puts under the same main term to add detail: Pain › neck NEC leads to M54.2,
  and the same main term's acute / chronic subterms lead to G89.-.

>>> from icdkit import KnowledgeBase
>>> from icdkit.guide.subject import Subject
>>> s = Subject.of(KnowledgeBase.open("FY2026"), "M54.2", None)
>>> "G89.-" in [r.code for r in related(s)]
True
"""

from __future__ import annotations

import re
from typing import Any

from icdkit.guide.model import Related
from icdkit.guide.subject import Subject

MAX_RELATED = 10
_KIND = {
    "code_first": "Code first",
    "use_additional": "Use additional code",
    "code_also": "Code also",
    "excludes2": "Excludes2",
    "excludes1": "Excludes1",
}
_ADDS = re.compile(r"^(?:acute|chronic|acute on chronic|subacute|recurrent|persistent|intractable)\b")


def related(s: Subject) -> list[Related]:
    if not s.coded:
        return []
    out: list[Related] = []
    seen: set[str] = {s.code}

    def put(code: str, relation: str, sources: tuple[str, ...]) -> None:
        code = _reported_form(s, code)
        if code in seen or len(out) >= MAX_RELATED or not s.fits((code,)):
            return
        seen.add(code)
        out.append(Related(code, s.title_of(code), relation, sources))

    for n in s.of_kind("code_first", "use_additional", "code_also"):
        for r in n.refs:
            if s.narrow(r):
                put(r.pattern, f"{_KIND[n.kind]} (at {n.source}): {n.text}", (s.cite.note(n),))
    for n in s.reverse_notes():
        if n.kind == "excludes1":
            continue  # a conflict, not a partner: see the pitfalls
        relation = {
            "excludes2": f"may be reported together: Excludes2 at {n.source} (“{n.text}”) "
            "— not included there",
            "code_first": f"{n.source} is coded after it: Code first at {n.source} (“{n.text}”)",
            "use_additional": f"{n.source} asks for it in addition: Use additional code at {n.source} "
            f"(“{n.text}”)",
            "code_also": f"Code also at {n.source} (“{n.text}”)",
        }[n.kind]
        put(n.source, relation, (s.cite.note(n),))
    _same_main_term(s, put)
    return out


def _same_main_term(s: Subject, put) -> None:  # type: ignore[no-untyped-def]
    """Acute / chronic subterms of the main terms that lead here, coded in other categories."""
    from icdkit.search.navigate import path_of

    con = s.kb.connection()
    mains = set()
    for (term,) in con.execute(
        "SELECT t.id FROM index_codes c JOIN index_terms t ON t.id=c.term "
        "WHERE c.code=? AND t.book='index' ORDER BY t.id LIMIT 5",
        (s.code,),
    ).fetchall():
        at = term
        while True:
            row = con.execute("SELECT parent FROM index_terms WHERE id=?", (at,)).fetchone()
            if row is None or row[0] is None:
                break
            at = row[0]
        mains.add(at)
    for main in sorted(mains):
        (main_code,) = con.execute("SELECT code FROM index_terms WHERE id=?", (main,)).fetchone()
        for tid, key in con.execute(
            "SELECT id, key FROM index_terms WHERE parent=? ORDER BY id", (main,)
        ).fetchall():
            if not _ADDS.match(key):
                continue
            codes = _codes_under(con, tid)
            cats = sorted({c.replace(".", "")[:3] for c in codes if c != main_code} - {s.node.key[:3]})
            path = path_of(con, tid)
            (own,) = con.execute("SELECT code FROM index_terms WHERE id=?", (tid,)).fetchone()
            for cat in cats[:2]:
                node = s.kb.find(cat)
                if node is None:
                    continue
                # the subterm's own code when it is in that category ("Pain, chronic" → G89.29),
                # else the category, any code under it (G89.-)
                mine = own and own != main_code and own.replace(".", "").startswith(cat)
                shown = own if mine else node.code
                src = s.cite.add("index", path, f"{path} → " + ", ".join(sorted(set(codes))[:8]), "Index")
                put(
                    shown,
                    f"the Index lists {path} ({shown}) under the same main term that leads "
                    f"to {s.code}: the acute or chronic nature is coded there",
                    (src,),
                )


def _reported_form(s: Subject, code: str) -> str:
    """A header shown as "any code under it" (G89 → G89.-, F02.8 → F02.8-): it is never
    reported itself; a code, a pattern or a range is kept as it is."""
    if code.endswith("-") or "-" in code:
        return code
    node = s.kb.find(code)
    if node is None or node.billable or node.kind not in ("category", "subcategory", "code"):
        return code
    return f"{node.code}.-" if len(node.key) == 3 else f"{node.code}-"


def _codes_under(con: Any, term: int) -> list[str]:
    """Codes of an Index term and its subterms (a walk down the parent index)."""
    out = []
    todo = [term]
    row = con.execute("SELECT code FROM index_terms WHERE id=?", (term,)).fetchone()
    if row and row[0]:
        out.append(row[0])
    while todo and len(out) < 200:
        at = todo.pop()
        for tid, code in con.execute("SELECT id, code FROM index_terms WHERE parent=?", (at,)).fetchall():
            todo.append(tid)
            if code:
                out.append(code)
    return out
