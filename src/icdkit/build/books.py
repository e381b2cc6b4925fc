"""Load the four index books of a build and store them in ``index_terms``.

A release built from files that include the Index and Tables uses them. Otherwise the newest
index icdkit bundles (``data/index/<release>/``) is used, and the knowledge base's meta says so.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from icdkit.build.index import BOOKS, Term, read_csv, read_xml
from icdkit.build.sources import SourceFile, find_index, walk
from icdkit.build.xref import Resolver
from icdkit.codes import without_dash
from icdkit.vocabulary import fold_title as fold

BUNDLED = Path(__file__).resolve().parent.parent / "data" / "index"


def bundled_index() -> tuple[tuple[str, SourceFile], ...]:
    """The books of the newest bundled index (folders named like ``FY2025-April``)."""
    folders = sorted((p for p in BUNDLED.iterdir() if p.is_dir()), key=lambda p: _order(p.name))
    return find_index(walk(folders[-1])) if folders else ()


def _order(name: str) -> tuple[int, int]:
    m = re.match(r"FY(\d{4})(?:-(\w+))?", name)
    return (int(m[1]), 0 if not m[2] else 1) if m else (0, 0)


def load(files: tuple[tuple[str, SourceFile], ...]) -> dict[str, list[Term]]:
    """Read each book once; the flattened CSV stands in for a missing index XML."""
    books: dict[str, list[Term]] = {}
    for book, f in files:
        if book == "index-csv":
            books["index"] = read_csv(f.text_lines())
        else:
            with f.open() as fh:
                books[book] = read_xml(fh, book)
    return {b: books[b] for b in BOOKS if b in books}


def index_version(files: tuple[tuple[str, SourceFile], ...]) -> str:
    """A label for the index release, e.g. 'FY2025 (April 2025 update)', from the files."""
    for book, f in files:
        if book != "index-csv":
            with f.open() as fh:
                head = fh.read(2048).decode("utf-8", errors="replace")
            m = re.search(r"<version>\s*(\d{4})", head)
            if m:
                month = "April " if "april" in f.name.lower() else ""
                return f"FY{m[1]}" + (f" ({month}{m[1]} update)" if month else "")
    return "unknown"


def write(con: sqlite3.Connection, books: dict[str, list[Term]], resolver: Resolver) -> dict[str, int]:
    """Store every term; return the id of each book's first term (ids run on across books)."""
    offsets: dict[str, int] = {}
    next_id = 1
    for book, terms in books.items():
        offsets[book] = next_id
        next_id += len(terms)
    rows = []
    for book, terms in books.items():
        base = offsets[book]
        for i, t in enumerate(terms):
            see = resolver.resolve(t.see, book) if t.see else None
            also = resolver.resolve(t.see_also, book) if t.see_also else None
            rows.append((
                base + i, book, None if t.parent is None else base + t.parent, t.level,
                t.title, t.nemod, t.code, t.manif, t.see, t.see_also, t.subcat, t.seecat,
                json.dumps(t.cells) if t.cells else None,
                None if see is None else offsets[see.book] + see.term,
                None if see is None else see.column,
                None if see is None else int(see.complete),
                None if also is None else offsets[also.book] + also.term,
                fold(t.title), t.note,
            ))
    con.executemany(f"INSERT INTO index_terms VALUES ({','.join('?' * 19)})", rows)
    con.executemany("INSERT INTO index_codes VALUES (?,?,?)", _printed_codes(books, offsets))
    return offsets


Printed = tuple[str, int, int | None]  # (code, term id, table column)


def _printed_codes(books: dict[str, list[Term]], offsets: dict[str, int]) -> list[Printed]:
    """(code as the tabular writes it, term id, table column) for every code a book prints."""
    out: list[Printed] = []
    for book, terms in books.items():
        for i, t in enumerate(terms):
            for printed in {t.code, t.subcat, t.seecat, t.manif} - {""}:
                out.append((without_dash(printed), offsets[book] + i, None))
            for col, cell in enumerate(t.cells):
                if cell:
                    out.append((without_dash(cell), offsets[book] + i, col))
    return out
