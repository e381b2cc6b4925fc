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
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from icdkit.errors import InvalidInput, UnknownTerm
from icdkit.search.synonyms import Synonyms
from icdkit.search.tables import column_for, complete, encounter_for
from icdkit.vocabulary import TABLE_COLUMNS, TABLE_HEADINGS, content, query_words
from icdkit.vocabulary import fold_title as fold

if TYPE_CHECKING:
    from icdkit.kb import KnowledgeBase

_COLS = ("id, book, parent, level, title, nemod, code, manif, see, see_also, subcat, seecat, cells, "
         "see_target, note, also_target")
MAX_NODES = 2000  # terms returned by one index_tree call
MAX_TERM = 200  # characters of a term path
MAX_PARTS = 8  # comma parts of a term path (the Index nests at most 8 levels below a main term)
MAX_ROWS = 200  # terms matched at one level (a prefix like 'a' matches thousands)
MAX_PARENTS = 20  # terms a path goes on from at one level
_ESC = "\\"


def _rows(con: sqlite3.Connection, where: str, args: tuple[object, ...],
          limit: int = MAX_ROWS) -> list[tuple[Any, ...]]:
    return con.execute(f"SELECT {_COLS} FROM index_terms WHERE {where} ORDER BY id LIMIT {int(limit)}",
                       args).fetchall()


def like(text: str) -> str:
    """*text* as a literal LIKE pattern (``%`` and ``_`` are text, not wildcards); use ``ESCAPE '\\'``."""
    return text.replace(_ESC, _ESC * 2).replace("%", _ESC + "%").replace("_", _ESC + "_")


def _match(con: sqlite3.Connection, book: str, parent: int | None, name: str) -> list[tuple[Any, ...]]:
    """Terms under *parent* named *name*: exactly, else by the part before a comma, else by prefix
    (a prefix of three characters at least)."""
    e = like(name)
    conds: list[tuple[str, tuple[str, ...]]] = [
        ("key=?", (name,)),
        (f"(key LIKE ? ESCAPE '{_ESC}' OR key LIKE ? ESCAPE '{_ESC}')", (e + ",%", e + " nec"))]
    if len(name) >= 3:
        conds.append((f"key LIKE ? ESCAPE '{_ESC}'", (e + "%",)))
    for cond, names in conds:
        found = _rows(con, f"book=? AND parent IS ? AND {cond}", (book, parent, *names))
        if found:
            return found
    return []


@dataclass(frozen=True, slots=True)
class Walk:
    """How far a path got: the terms it names, else the part not found and where."""

    found: list[tuple[Any, ...]]
    missing: str | None = None  # the comma part (as typed) that names no term
    under: tuple[int | None, ...] = ()  # the terms it was looked for under (None: main terms)


def walk(con: sqlite3.Connection, text: str, book: str) -> Walk:
    """Follow a path like ``Pain, neck``: the main term, then each subterm, every part found.

    At each level the longest run of comma parts that is a term's whole title wins
    (``Fracture, traumatic, femur``: the main term ``Fracture, traumatic``, then ``femur``);
    a single part may also name a term by the words before its comma or by a prefix. A part
    that names nothing stops the walk and is reported (never a silent fall back to its parent).
    """
    if len(text) > MAX_TERM:
        raise InvalidInput(f"term too long ({len(text)} characters; at most {MAX_TERM})")
    typed = [p.strip() for p in text.split(",") if p.strip()]
    if not typed:
        raise InvalidInput("empty term: give a main term such as 'Pain' or a path 'Pain, neck'")
    if len(typed) > MAX_PARTS:
        raise InvalidInput(f"too many comma parts ({len(typed)}; at most {MAX_PARTS})")
    parts = [fold(p) for p in typed]
    root = None
    if book == "neoplasm":  # every row sits under the one main term 'Neoplasm, neoplastic'
        first = _rows(con, "book=? AND parent IS NULL", (book,), 1)
        root = first[0][0] if first else None
    found: list[tuple[Any, ...]] = []
    parents: list[int | None] = [root]
    i = 0
    while i < len(parts):
        step: list[tuple[Any, ...]] = []
        if not parts[i]:  # text that folds to nothing (not a letter or digit of the Index)
            return Walk([], typed[i], tuple(parents))
        for j in range(len(parts), i + 1, -1):  # longest run first, whole titles only
            if not all(parts[i:j]):
                continue
            key = ", ".join(parts[i:j])
            step = [r for at in parents
                    for r in _rows(con, "book=? AND parent IS ? AND key=?", (book, at, key))]
            if step:
                i = j
                break
        else:
            step = [r for at in parents for r in _match(con, book, at, parts[i])]
            if not step:
                return Walk([], typed[i], tuple(parents))
            i += 1
        found, parents = step[:MAX_ROWS], [r[0] for r in step[:MAX_PARENTS]]
    return Walk(found)


def find(con: sqlite3.Connection, text: str, book: str) -> list[tuple[Any, ...]]:
    """The terms a path names (see :func:`walk`); empty when any part names nothing."""
    return walk(con, text, book).found


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
    """The subtree(s) of the term *text* names, with their codes and cross-references.

    Every part of the path must name a term: ``Pain, nek`` is an :class:`UnknownTerm` naming
    ``nek`` with the nearest subterms of Pain (``neck NEC`` first), never the whole Pain tree.
    """
    if book not in ("index", "eindex"):
        raise InvalidInput(f"unknown index {book!r}: use 'index' or 'eindex'")
    con = kb.connection()
    got = walk(con, text, book)
    if not got.found and "," not in text and " " in text.strip():  # 'Pain neck' for 'Pain, neck'
        spaced = walk(con, ", ".join(text.split()[:MAX_PARTS]), book)
        if spaced.found or (spaced.under and spaced.under != (None,)):
            got = spaced
    if not got.found:
        raise _unknown(con, book, got, f"{'External Cause ' if book == 'eindex' else ''}Index")
    budget = [MAX_NODES]
    return {"term": text, "book": book, **releases_of(kb),
            "entries": [{"path": path_of(con, r[0]), **_node(con, r, depth, budget)} for r in got.found[:20]]}


def _unknown(con: sqlite3.Connection, book: str, got: Walk, where: str) -> UnknownTerm:
    """Name the part that was not found, where it was looked for, and the nearest terms there."""
    main = got.under in ((), (None,)) or (book == "neoplasm" and len(got.under) == 1
                                          and _is_root(con, got.under[0]))
    near = _near(con, book, got.missing or "", None if main else got.under)
    if main:
        if book in TABLE_COLUMNS:
            what = "substance" if book == "drug" else "site"
            return UnknownTerm(f"no {what} {got.missing!r} in the {where}", suggestions=near)
        return UnknownTerm(f"no {where} term {got.missing!r}", suggestions=near)
    at = _table_path(con, got.under[0], book) if got.under[0] is not None else ""
    return UnknownTerm(f"no subterm {got.missing!r} under {at!r} in the {where}", suggestions=near)


def _is_root(con: sqlite3.Connection, tid: int | None) -> bool:
    row = con.execute("SELECT parent FROM index_terms WHERE id=?", (tid,)).fetchone()
    return row is not None and row[0] is None


def table_rows(kb: KnowledgeBase, book: str, text: str, column: str | None = None, *,
               encounter: str | None = None) -> dict[str, Any]:
    """Rows of the Drug or Neoplasm Table for *text* and the code of *column* in each.

    *text* may be a brand or lay name (``tylenol`` → Acetaminophen, through the synonym data);
    *column* a short name or a coder's word (``overdose``, ``side effect``, ``metastatic``);
    *encounter* (``initial``, ``subsequent``, ``sequela``) completes a code that needs a 7th
    character: ``drug tylenol --intent intentional --encounter initial`` → ``T39.1X2A``.
    """
    col = column_for(book, column)
    enc = encounter_for(encounter)
    if enc and book != "drug":
        raise InvalidInput("an encounter completes a code of the Table of Drugs and Chemicals only")
    if enc and not col:
        raise InvalidInput("an encounter completes the code of one column: give the intent too "
                           "(--intent accidental, overdose, self-harm, adverse...)")
    con = kb.connection()
    got = walk(con, text, book)
    synonym = None
    if not got.found:  # a brand or lay name: the Table's own name for it
        for variant in Synonyms.bundled().variants(content(query_words(text)))[1:]:
            tried = walk(con, " ".join(variant), book)
            if tried.found:
                got, synonym = tried, " ".join(variant)
                break
    if got.missing is not None:
        raise _unknown(con, book, got, _TITLE[book])
    found = [r for r in got.found if r[12]]
    if not found:
        what = "substance" if book == "drug" else "site"
        raise UnknownTerm(f"no {what} {text!r} in the {_TITLE[book]}",
                          suggestions=tuple(_table_path(con, r[0], book) for r in got.found[:8]))
    rows = []
    for r in found[:50]:
        cells = dict(zip(TABLE_COLUMNS[book], json.loads(r[12]), strict=True))
        row: dict[str, Any] = {"path": _table_path(con, r[0], book), "codes": cells}
        if r[8]:
            row["see"] = r[8]
        if col:
            row["column"] = TABLE_HEADINGS[book][TABLE_COLUMNS[book].index(col)]
            row.update(complete(kb, cells[col], enc))
        else:
            dashed = {c: complete(kb, v) for c, v in cells.items() if v and v.endswith("-")}
            if dashed:
                row["categories"] = dashed
        under = [k for k in _rows(con, "parent=?", (r[0],), MAX_SUBSITES) if k[12]]
        if under:
            row["subsites" if book == "neoplasm" else "subterms"] = [
                {"path": _table_path(con, k[0], book),
                 "codes": dict(zip(TABLE_COLUMNS[book], json.loads(k[12]), strict=True))} for k in under]
        rows.append(row)
    out: dict[str, Any] = {"query": text, "table": _TITLE[book], "column": col, **releases_of(kb),
                           "rows": rows}
    if synonym:
        out["synonym"] = synonym
    if book == "drug":
        out["encounter"] = enc
    return out


_TITLE = {"drug": "Table of Drugs and Chemicals", "neoplasm": "Neoplasm Table"}
MAX_SUBSITES = 80  # subsites (or subterms) listed under one row


def _table_path(con: sqlite3.Connection, tid: int, book: str) -> str:
    path = path_of(con, tid)
    head = "Neoplasm, neoplastic › "
    return path[len(head):] if book == "neoplasm" and path.startswith(head) else path


def _near(con: sqlite3.Connection, book: str, text: str, under: tuple[int | None, ...] | None = None,
          n: int = 8) -> tuple[str, ...]:
    """The terms nearest *text*, most similar first: subterms of *under*, else main terms (the
    neoplasm sites) that begin with its first letter. Each as a path one can type back."""
    want = fold(text)
    if not want:
        return ()
    if under:
        marks = ",".join("?" * len(under))
        rows = con.execute(f"SELECT id, key FROM index_terms WHERE parent IN ({marks}) LIMIT 3000",
                           under).fetchall()
    else:
        top = _rows(con, "book=? AND parent IS NULL", (book,), 1) if book == "neoplasm" else []
        parent_cond, args = ("parent=?", (top[0][0],)) if top else ("parent IS NULL", ())
        rows = con.execute(f"SELECT id, key FROM index_terms WHERE book=? AND {parent_cond} "
                           f"AND key LIKE ? ESCAPE '{_ESC}' LIMIT 5000",
                           (book, *args, like(want[0]) + "%")).fetchall()
    ranked = sorted(rows, key=lambda r: (-similarity(want, r[1]), r[1]))[:n]
    paths = (_table_path(con, tid, book) if book in TABLE_COLUMNS else path_of(con, tid) for tid, _ in ranked)
    return tuple(p.replace(" › ", ", ") for p in paths)


def similarity(typed: str, key: str) -> float:
    """How alike a typed part and a term are (0..1): the whole term, or the words before its
    comma, whichever is nearer (``nek`` ~ ``neck nec``; ``tylenl`` ~ ``tylenol``)."""
    head = key.split(",")[0].removesuffix(" nec")
    return max(SequenceMatcher(None, typed, key).ratio(), SequenceMatcher(None, typed, head).ratio())


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
