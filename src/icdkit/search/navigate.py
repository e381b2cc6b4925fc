"""Walk the Index and the Tables the way a coder turns their pages.

* :func:`index_tree` — a main term (or a path ``Pain, neck``) with its subterms, codes and
  cross-references, from the Alphabetic Index or the External Cause Index;
* :func:`table_rows` — rows of the Drug or Neoplasm Table for a substance or a site, every
  column's code, and the code of the column asked for, with what it still needs (a 7th
  character, or more characters where the table prints ``C34.1-``).
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

from icdkit import codes
from icdkit.errors import InvalidInput, UnknownTerm
from icdkit.vocabulary import TABLE_COLUMNS, TABLE_HEADINGS
from icdkit.vocabulary import fold_title as fold

if TYPE_CHECKING:
    from icdkit.kb import KnowledgeBase

_COLS = ("id, book, parent, level, title, nemod, code, manif, see, see_also, subcat, seecat, cells, "
         "see_target, note, also_target")
MAX_NODES = 2000  # terms returned by one index_tree call


def _rows(con: sqlite3.Connection, where: str, args: tuple[object, ...]) -> list[tuple[Any, ...]]:
    return con.execute(f"SELECT {_COLS} FROM index_terms WHERE {where} ORDER BY id", args).fetchall()


def _match(con: sqlite3.Connection, book: str, parent: int | None, name: str) -> list[tuple[Any, ...]]:
    """Terms under *parent* named *name*: exactly, else by the part before a comma, else by prefix."""
    for cond, names in (("key=?", (name,)), ("(key LIKE ? || ',%' OR key LIKE ? || ' nec')", (name, name)),
                        ("key LIKE ? || '%'", (name,))):
        found = _rows(con, f"book=? AND parent IS ? AND {cond}", (book, parent, *names))
        if found:
            return found
    return []


def find(con: sqlite3.Connection, text: str, book: str) -> list[tuple[Any, ...]]:
    """The terms a path like ``Pain, neck`` names: the main term, then each subterm.

    At each level the longest run of comma parts that is a term's whole title wins
    (``Fracture, traumatic, femur``: the main term ``Fracture, traumatic``, then ``femur``);
    a single part may also name a term by the words before its comma or by a prefix.
    """
    parts = [fold(p) for p in text.split(",") if p.strip()]
    if not parts:
        raise InvalidInput("empty term: give a main term such as 'Pain' or a path 'Pain, neck'")
    root = None
    if book == "neoplasm":  # every row sits under the one main term 'Neoplasm, neoplastic'
        first = _rows(con, "book=? AND parent IS NULL", (book,))
        root = first[0][0] if first else None
    found: list[tuple[Any, ...]] = []
    parents: list[int | None] = [root]
    i = 0
    while i < len(parts):
        step: list[tuple[Any, ...]] = []
        for j in range(len(parts), i + 1, -1):  # longest run first, whole titles only
            key = ", ".join(parts[i:j])
            step = [r for at in parents
                    for r in _rows(con, "book=? AND parent IS ? AND key=?", (book, at, key))]
            if step:
                i = j
                break
        else:
            step = [r for at in parents for r in _match(con, book, at, parts[i])]
            i += 1
        if not step:
            break
        found, parents = step, [r[0] for r in step]
    return found


def _node(con: sqlite3.Connection, row: tuple[Any, ...], depth: int, budget: list[int]) -> dict[str, Any]:
    tid, book, _parent, level, title, nemod, code, manif, see, see_also, subcat, seecat = row[:12]
    cells, target, note, also = row[12:]
    budget[0] -= 1
    node: dict[str, Any] = {"title": title, "level": level}
    for k, v in (("nemod", nemod), ("code", code), ("manif", manif), ("see", see),
                 ("see_also", see_also), ("subcat", subcat), ("seecat", seecat), ("note", note)):
        if v:
            node[k] = v
    if cells:
        node["cells"] = dict(zip(TABLE_COLUMNS[book], json.loads(cells), strict=True))
    if see and target is not None:
        node["see_path"] = path_of(con, target)
    if see_also and also is not None:
        node["see_also_path"] = path_of(con, also)
    kids = _rows(con, "parent=?", (tid,))
    shown = []
    if depth > 0:
        for kid in kids:
            if budget[0] <= 0:
                break
            shown.append(_node(con, kid, depth - 1, budget))
        node["children"] = shown
    if len(kids) > len(shown):  # below --depth, or past MAX_NODES: say how many are not shown
        node["more"] = len(kids) - len(shown)
    return node


def path_of(con: sqlite3.Connection, tid: int) -> str:
    titles = []
    at: int | None = tid
    while at is not None:
        row = con.execute("SELECT parent, title FROM index_terms WHERE id=?", (at,)).fetchone()
        if row is None:
            break
        at = row[0]
        titles.append(row[1])
    return " › ".join(reversed(titles))


def index_tree(kb: KnowledgeBase, text: str, *, book: str = "index", depth: int = 9) -> dict[str, Any]:
    """The subtree(s) of the term *text* names, with their codes and cross-references."""
    if book not in ("index", "eindex"):
        raise InvalidInput(f"unknown index {book!r}: use 'index' or 'eindex'")
    con = kb.connection()
    found = find(con, text, book)
    if not found and "," not in text and " " in text.strip():  # 'Pain neck' for 'Pain, neck'
        found = find(con, ", ".join(text.split()), book)
    if not found:
        raise UnknownTerm(f"no {'External Cause ' if book == 'eindex' else ''}Index term {text!r}",
                          suggestions=_near(con, book, text))
    budget = [MAX_NODES]
    return {"term": text, "book": book, **releases_of(kb),
            "entries": [{"path": path_of(con, r[0]), **_node(con, r, depth, budget)} for r in found[:20]]}


def table_rows(kb: KnowledgeBase, book: str, text: str, column: str | None = None) -> dict[str, Any]:
    """Rows of the Drug or Neoplasm Table for *text* and the code of *column* in each."""
    if column is not None and column not in TABLE_COLUMNS[book]:
        raise InvalidInput(f"unknown column {column!r}: use one of {', '.join(TABLE_COLUMNS[book])}")
    con = kb.connection()
    found = [r for r in find(con, text, book) if r[12]]
    if not found:
        what = "substance" if book == "drug" else "site"
        raise UnknownTerm(f"no {what} {text!r} in the {_TITLE[book]}", suggestions=_near(con, book, text))
    rows = []
    for r in found[:50]:
        cells = dict(zip(TABLE_COLUMNS[book], json.loads(r[12]), strict=True))
        row: dict[str, Any] = {"path": _table_path(con, r[0], book), "codes": cells}
        if r[8]:
            row["see"] = r[8]
        if column:
            row["column"] = TABLE_HEADINGS[book][TABLE_COLUMNS[book].index(column)]
            row.update(complete(kb, cells[column]))
        rows.append(row)
    return {"query": text, "table": _TITLE[book], "column": column, **releases_of(kb),
            "rows": rows}


_TITLE = {"drug": "Table of Drugs and Chemicals", "neoplasm": "Neoplasm Table"}


def complete(kb: KnowledgeBase, printed: str) -> dict[str, Any]:
    """What a printed table code still needs: a 7th character, or more characters."""
    if not printed:
        return {"code": None, "note": "no code in this column (the table prints '--')"}
    base = codes.without_dash(printed)
    c = kb.find(base)
    out: dict[str, Any] = {"code": base, "title": c.title if c else None, "billable": bool(c and c.billable)}
    if c is None:
        out["note"] = f"{base} is not a code of {kb.release}"
    elif not c.billable:
        kids, seventh = next_step(kb, base)
        out["children"] = list(kids)
        if seventh:
            out["seventh_characters"] = kb.seventh_characters(base)
            out["note"] = "a 7th character is needed: " + ", ".join(
                f"{k} {v}" for k, v in out["seventh_characters"].items())
        else:
            out["note"] = "more characters needed: choose one of its codes"
    return out


def next_step(kb: KnowledgeBase, code: str) -> tuple[tuple[str, ...], bool]:
    """A non-billable code's child codes, and whether they are its 7th-character completions."""
    kids = tuple(k.code for k in kb.children(code))
    seventh = bool(kids) and all(len(k.replace(".", "")) == 7 for k in kids) \
        and len(code.replace(".", "")) < 7 and bool(kb.seventh_characters(code))
    return kids, seventh


def _table_path(con: sqlite3.Connection, tid: int, book: str) -> str:
    path = path_of(con, tid)
    head = "Neoplasm, neoplastic › "
    return path[len(head):] if book == "neoplasm" and path.startswith(head) else path


def _near(con: sqlite3.Connection, book: str, text: str) -> tuple[str, ...]:
    first = fold(text.split(",")[0])[:4]
    rows = con.execute("SELECT title FROM index_terms WHERE book=? AND level=? AND key LIKE ? || '%' "
                       "LIMIT 8", (book, 1 if book == "neoplasm" else 0, first)).fetchall()
    return tuple(r[0] for r in rows)


MAX_ENTRIES = 40  # index entries listed on a code's page


def entries_for(kb: KnowledgeBase, code: str) -> list[dict[str, Any]]:
    """The Index entries and table cells that print *code* (its own, not its children's)."""
    con = kb.connection()
    rows = con.execute("SELECT c.term, c.col, t.book FROM index_codes c JOIN index_terms t ON t.id = c.term "
                       "WHERE c.code=? ORDER BY c.term LIMIT ?", (code, MAX_ENTRIES)).fetchall()
    out = []
    for term, col, book in rows:
        path = _table_path(con, term, book) if book in TABLE_COLUMNS else path_of(con, term)
        entry: dict[str, Any] = {"book": book, "path": path}
        if col is not None:
            entry["column"] = TABLE_HEADINGS[book][col]
        out.append(entry)
    return out


def releases_of(kb: KnowledgeBase) -> dict[str, str]:
    """The release answered from (its id and label) and that of the Index and Tables used,
    which may be older: ``{"release": "FY2026", "release_label": "FY2026 (April 1, 2026
    update)", "index_release": "FY2025", "index_release_label": "FY2025 (April 2025 update)"}``."""
    label = str(json.loads(kb.meta.get("index_source", "{}")).get("release", "unknown"))
    return {"release": kb.release, "release_label": kb.label,
            "index_release": label.split(" ", 1)[0], "index_release_label": label}
