"""Combinations the Index makes through a cross-reference (Guidelines I.A.12.a, I.A.15): the
search ranks the Index's coded paths, but a subterm that only says *see* is not one of them —
'Cholecystitis › acute › with › cholelithiasis — see Calculus, gallbladder, with cholecystitis,
acute' (K80.00), 'Obstruction › bowel — see Obstruction, intestine' › with › adhesions
(K56.50) › partial (K56.51). Here the Index tree itself is walked: from the first condition's
entry (following its *see*), to the subterm naming the second condition (following its *see*
to the end), then down the subterms the note's words name.

>>> from icdkit.notes import code_note
>>> code_note("DISCHARGE SUMMARY\\nDischarge diagnosis: Acute cholecystitis with cholelithiasis.",
...           setting="inpatient").code_list
['K80.00']
"""

from __future__ import annotations

import sqlite3

from icdkit.vocabulary import STOP, fold_title, stem
from icdkit.vocabulary import query_words as words

_DEPTH = 3  # subterm levels searched below the first condition's entry for the second


def cross_combined(con: sqlite3.Connection, path: str, other: set[str], said: set[str], named: set[str]
                   ) -> tuple[str, str] | None:
    """(code, the Index path walked) for the entry at *path* combined with the condition whose
    word stems are *other* (at least one of *named*, its own words), refined by the note's word
    stems *said*; None when the Index has none."""
    node = _node(con, path)
    if node is None:
        return None
    start, trail = node, [path.split(" → ")[0]]
    row = con.execute("SELECT see, see_target FROM index_terms WHERE id=?", (node,)).fetchone()
    if row and row[0] and row[1]:
        seen = _follow(con, row[1], row[0])
        if seen is None:
            return None
        start = seen
        trail.append(f"see {row[0]}")
    hit = _find(con, start, other, named, _DEPTH)
    if hit is None:
        return None
    at, title = hit
    trail.append(title)
    row = con.execute("SELECT see, see_target FROM index_terms WHERE id=?", (at,)).fetchone()
    if row and row[0] and row[1]:
        nxt = _follow(con, row[1], row[0])
        if nxt is None:
            return None
        trail.append(f"see {row[0]}")
        at = nxt
    while True:  # down the subterms the note names ('partial')
        kids = con.execute("SELECT id, title FROM index_terms WHERE parent=?", (at,)).fetchall()
        step = next(((int(k), str(t)) for k, t in kids if (ts := _stems(t)) and ts <= said), None)
        if step is None:
            break
        at = step[0]
        trail.append(step[1])
    code = con.execute("SELECT code FROM index_terms WHERE id=?", (at,)).fetchone()
    if not code or not code[0]:
        return None
    return code[0].rstrip("-").rstrip("."), " › ".join(trail)


def _stems(title: str) -> set[str]:
    return {stem(w) for w in words(title) if w not in STOP and w not in ("with", "without")}


def _node(con: sqlite3.Connection, path: str) -> int | None:
    """The Index term at *path* ('Main › sub › …', any '→ see …' tail left out)."""
    parts = path.split(" → ")[0].split(" › ")
    row = con.execute("SELECT id FROM index_terms WHERE book='index' AND parent IS NULL AND key=? "
                      "AND title=?", (fold_title(parts[0]), parts[0])).fetchone()  # by the key's index
    if row is None:
        return None
    at = int(row[0])
    for p in parts[1:]:
        row = con.execute("SELECT id FROM index_terms WHERE parent=? AND title=?", (at, p)).fetchone()
        if row is None:
            return None
        at = int(row[0])
    return at


def _follow(con: sqlite3.Connection, target: int, see: str) -> int | None:
    """From the *see* reference's target term, the subterms its text goes on to name
    ('Calculus, gallbladder, with cholecystitis, acute': target 'gallbladder' → with →
    cholecystitis → acute)."""
    title = con.execute("SELECT title FROM index_terms WHERE id=?", (target,)).fetchone()
    parts = [p.strip() for p in see.split(",")]
    if title is None or title[0] not in parts:
        return target
    rest = parts[parts.index(title[0]) + 1:]
    at = target
    for p in rest:
        steps = ["with", p[5:]] if p.startswith("with ") else [p]
        for s in steps:
            row = con.execute("SELECT id FROM index_terms WHERE parent=? AND title=?", (at, s)).fetchone()
            if row is None:
                return at
            at = int(row[0])
    return at


def _find(con: sqlite3.Connection, start: int, other: set[str], named: set[str], depth: int
          ) -> tuple[int, str] | None:
    """The subterm under a 'with' / 'due to' level below *start* whose words are all *other*'s,
    one of them *named*."""
    frontier = [(start, False)]
    for _ in range(depth):
        nxt = []
        for at, joined in frontier:
            for k, t in con.execute("SELECT id, title FROM index_terms WHERE parent=?", (at,)):
                ts = _stems(t.split(",")[0].split("(")[0])
                if joined and ts and ts <= other and ts & named:
                    return int(k), t
                if t in ("with", "due to"):
                    nxt.append((int(k), True))
        frontier = nxt
    return None
