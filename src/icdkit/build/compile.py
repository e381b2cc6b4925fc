"""Compile one ICD-10-CM release into a read-only SQLite knowledge base.

``build_release(source, path)`` reads the release's own files (Tabular List XML, order file
when present) plus the date-independent tables bundled with icdkit (MCE validity and edits,
MS-DRG CC/MCC, CMS-HCC) and writes them to *path* atomically (a temp file in the same
directory, renamed into place once complete), with the finished file's SHA-256 beside it
(:mod:`icdkit.build.checksum`).

Which codes are billable is decided, in order of authority, by:

1. the MCE valid-code table, when it covers the release's effective date;
2. the release's order file (billable flag), when one was given;
3. the tabular structure (leaf codes and their 7th-character expansions).

Disagreements between the sources are recorded in ``meta`` and shown with the code.
"""

from __future__ import annotations

import contextlib
import gc
import gzip
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from icdkit import __version__, codes
from icdkit.build import books, checksum, drg, hcc, order, relations, schema, tabular, validity
from icdkit.build.searchdocs import DocBuilder
from icdkit.build.sources import ReleaseSource, SourceFile
from icdkit.build.xref import Resolver
from icdkit.refs import BARE_KINDS, parse_refs

DATA = Path(__file__).resolve().parent.parent / "data"
Progress = Callable[[str, float], None]  # (step description, fraction done 0..1)

STEPS = ("tabular", "validity", "codes", "notes", "edits", "severity", "hcc", "index", "search", "finish")


def _lines(rel: str) -> Iterator[str]:
    path = DATA / rel
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as fh:
            yield from fh
    else:
        with open(path, encoding="utf-8", errors="replace") as fh:
            yield from fh


def _sha256(f: SourceFile) -> str:
    h = hashlib.sha256()
    with f.open() as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_CODED = ("category", "subcategory", "code")


def _code_in_release(printed: str, by_key: dict[str, tabular.Node]) -> str | None:
    """The release's code for a code printed in the Index ('S52.5-' -> 'S52.5'), else None."""
    k = codes.without_dash(printed).replace(".", "").upper()
    node = by_key.get(k)
    return node.code if node is not None and node.kind in _CODED else None


def _edit_spans(periods: Iterable[validity.Period]) -> dict[str, tuple[str, str]]:
    """Each MCE edit flag's first and last day in force on any code (sex: 2015-10-01 to
    2024-09-30, when CMS dropped the diagnosis sex edits)."""
    spans: dict[str, tuple[str, str]] = {}
    for p in periods:
        for flag in p.flags.split(","):
            if flag:
                lo, hi = spans.get(flag, (p.start, p.end))
                spans[flag] = (min(lo, p.start), max(hi, p.end))
    return dict(sorted(spans.items()))


def _insert(con: sqlite3.Connection, table: str, rows: Iterable[tuple[object, ...]]) -> None:
    rows = list(rows)
    if rows:
        marks = ",".join("?" * len(rows[0]))
        con.executemany(f"INSERT OR IGNORE INTO {table} VALUES ({marks})", rows)


def build_release(src: ReleaseSource, path: Path, progress: Progress | None = None,
                  finish: Callable[[Path], None] | None = None) -> dict[str, str]:
    """Compile *src* into the SQLite file *path*; return the stored metadata.

    *finish*, when given, is called with the finished temp file (closed, every fact in it)
    before its checksum is taken and it is renamed into place: the store adds there the tables
    the layers above compile from the facts (store.Stage), so they are part of the build."""
    report = progress or (lambda step, frac: None)
    started = time.time()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    con = sqlite3.connect(tmp)
    collecting = gc.isenabled()
    gc.disable()  # the build makes millions of small objects and frees none: no cycles to find
    try:
        con.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + schema.DDL)
        meta = _fill(con, src, report)
        meta["build_seconds"] = f"{time.time() - started:.1f}"
        _insert(con, "meta", meta.items())
        con.commit()
        con.execute("ANALYZE")
        con.commit()
        con.close()
        if finish is not None:
            finish(tmp)
            meta["build_seconds"] = f"{time.time() - started:.1f}"  # the whole build's
            with contextlib.closing(sqlite3.connect(tmp)) as done:
                done.execute("UPDATE meta SET value=? WHERE key='build_seconds'", (meta["build_seconds"],))
                done.commit()
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    finally:
        if collecting:
            gc.enable()
    checksum.write(path, checksum.digest(tmp))  # the finished file's, checked before serving it
    os.replace(tmp, path)
    report("finish", 1.0)
    return meta


def _fill(con: sqlite3.Connection, src: ReleaseSource, report: Progress) -> dict[str, str]:
    report("tabular", 0.0)
    with src.tabular.open() as fh:
        tab = tabular.read_tabular(fh)

    report("validity", 0.15)
    periods = list(validity.read_periods(_lines("edits/mce_icd10cm_dx_edits_by_date.tsv.gz")))
    horizon = (min(p.start for p in periods), max(p.end for p in periods))
    order_rows = {r.key: r for r in order.read_order(src.order.text_lines())} if src.order else {}
    if horizon[0] <= src.effective <= horizon[1]:
        valid = validity.valid_on(periods, src.effective)
        billable_source = f"MCE valid-code table on {src.effective}"
    elif order_rows:
        valid = {k for k, r in order_rows.items() if r.billable}
        billable_source = f"order file {Path(src.order.name).name if src.order else ''}"
    else:
        valid = {n.key for n in tab.nodes if n.kind == "code" or (n.leaf and not n.seventh_owner)}
        billable_source = "tabular structure (no valid-code table covers this date)"

    report("codes", 0.3)
    nodes = [n for n in tab.nodes if not n.synthesized or n.key in valid]
    by_key = {n.key: n for n in nodes}
    paths: dict[str, str] = {}
    rows = []
    for n in nodes:
        parent_path = paths.get(n.parent, "") if n.parent else ""
        paths[n.key] = f"{n.parent} {parent_path}".strip() if n.parent else ""
        short = order_rows[n.key].short_title if n.key in order_rows else None
        rows.append((n.key, n.code, n.kind, n.title, int(n.key in valid), n.parent,
                     by_key[n.parent].code if n.parent else None, n.chapter,
                     n.block, n.depth, n.seq, paths[n.key], n.seventh_owner, int(n.synthesized),
                     short, n.first, n.last))
    _insert(con, "nodes", rows)
    not_valid = sorted(n.key for n in nodes if n.kind == "code" and n.key not in valid)
    dropped = sorted(n.key for n in tab.nodes if n.synthesized and n.key not in valid)
    valid_missing = sorted(k for k in valid if k not in by_key)
    order_disagree = sorted(k for k, r in order_rows.items() if r.billable != (k in valid))

    report("notes", 0.45)
    note_rows, ref_rows = [], []
    for i, note in enumerate(tab.notes, 1):
        note_rows.append((i, note.owner, note.kind, note.text))
        for r in parse_refs(note.text, bare=note.kind in BARE_KINDS):
            ref_rows.append((i, r.pattern, r.lo, r.hi, json.dumps(r.positions),
                             json.dumps(r.suffixes), r.qualifier, int(r.approximate)))
    _insert(con, "notes", note_rows)
    _insert(con, "note_refs", ref_rows)
    _insert(con, "seventh", tab.seventh)

    report("edits", 0.6)
    _insert(con, "validity", ((p.key, p.start, p.end, p.flags) for p in periods))
    ages = validity.read_age_ranges(_lines("edits/mce_age_ranges.tsv"))
    _insert(con, "mce_age", ((a.category, a.min_age, a.max_age, a.start, a.end) for a in ages))

    report("severity", 0.7)
    levels = dict.fromkeys(drg.read_cc_list(_lines("msdrg-v43/cc_list.txt.gz")), "CC")
    levels.update(dict.fromkeys(drg.read_cc_list(_lines("msdrg-v43/mcc_list.txt.gz")), "MCC"))
    collections, members = drg.read_exclusions(_lines("msdrg-v43/cc_exclusions.txt.gz"))
    _insert(con, "severity", ((k, lvl, collections.get(k)) for k, lvl in levels.items()))
    _insert(con, "pdx_exclusion", members)

    report("hcc", 0.85)
    hcc_years = []
    for f in sorted((DATA / "cms-hcc").glob("ra_dx_to_cc_*.csv.gz")):
        year = int(f.name.split("_")[-1].split(".")[0])
        hcc_years.append(str(year))
        _insert(con, "hcc", ((k, year, model, cc) for k, cc, model in
                             hcc.read_dx_to_cc(_lines(f"cms-hcc/{f.name}"))))
    _insert(con, "hcc_label", hcc.read_labels(_lines("cms-hcc/ra_labels_2026.csv")))

    report("index", 0.8)
    index_files = src.index or books.bundled_index()
    book_terms = books.load(index_files)
    resolver = Resolver(book_terms)
    offsets = books.write(con, book_terms, resolver)

    report("search", 0.85)
    docs = DocBuilder(lambda printed: _code_in_release(printed, by_key))
    docs.add_books(book_terms, offsets, resolver)
    docs.add_tabular(((n.code, n.title) for n in nodes if n.kind in _CODED and not n.synthesized),
                     ((by_key[n.owner].code, n.text) for n in tab.notes
                      if n.kind == "inclusion_term" and n.owner in by_key))
    search_counts = docs.write(con)

    relation_counts = relations.write(con)  # for code guides: cousins, reverse notes, GEMs

    report("finish", 0.95)
    counts = dict(con.execute("SELECT kind, count(*) FROM nodes GROUP BY kind").fetchall())
    billable = con.execute("SELECT count(*) FROM nodes WHERE billable").fetchone()[0]
    return {
        "release": src.release,
        "version": src.version,
        "label": src.label,
        "effective": src.effective,
        "schema_version": str(schema.SCHEMA_VERSION),
        "icdkit_version": __version__,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "source_paths": json.dumps(list(src.paths)),
        "sources": json.dumps([{"file": f.name, "sha256": _sha256(f)}
                               for f in [*src.files(), *(f for _, f in index_files if not src.index)]]),
        "billable_source": billable_source,
        "billable_count": str(billable),
        "node_counts": json.dumps(counts),
        "validity_horizon": json.dumps(horizon),
        "mce_edit_spans": json.dumps(_edit_spans(periods)),
        "hcc_years": json.dumps(hcc_years),
        "severity_source": "MS-DRG v43 (FY2026) Tables 6I, 6J, 6K",
        "hcc_source": "CMS risk-adjustment model mappings (ra_dx_to_cc), payment years "
        + ", ".join(hcc_years),
        "mce_source": "MCE v44 diagnosis edit table (decoded), periods 2015-10-01 to " + horizon[1],
        "index_source": json.dumps({
            "release": books.index_version(index_files),
            "files": {book: Path(f.name.split("!")[-1]).name for book, f in index_files},
            "bundled": not src.index,
            "terms": {b: len(t) for b, t in book_terms.items()},
        }),
        "search_counts": json.dumps(search_counts),
        "relation_counts": json.dumps(relation_counts),
        "gem_source": "ICD-10-CM to ICD-9-CM General Equivalence Mappings (CMS, 2016 release; frozen)",
        "disagreements": json.dumps({
            "index_codes_not_in_tabular": sorted(docs.missing),
            "tabular_codes_not_valid": not_valid,
            "valid_codes_not_in_tabular": valid_missing,
            "order_flag_differs_from_valid_set": order_disagree,
            "seventh_expansions_not_valid": dropped,
        }),
    }
