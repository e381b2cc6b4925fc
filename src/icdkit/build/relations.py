"""Relations that need the whole classification, worked out once per release at build time.

A code guide (``icdkit.guide``) asks three questions no single node can answer quickly:

* ``rel_cousins`` — which codes of *sibling categories* carry the same axis value
  (M54.03 "…, cervicothoracic region" and M54.13 "Radiculopathy, cervicothoracic region"):
  the words each title adds to its parent's (:func:`icdkit.titles.added`) are compared
  among the grandchildren of every node;
* ``rel_reverse`` — which notes *elsewhere* name a node (G89's Excludes2 "spine pain
  (M54.-)" names M54, so every M54 code's guide shows it): each note reference is reduced
  to the few top nodes it covers (a reference covering more than :data:`MAX_TOPS` top nodes,
  such as a chapter's "(S00-T88)", is too broad to guide anyone and is left out);
* ``rel_subterms`` — which codes the *other subterms of the same Index term* lead to
  ("Hypertension" → I10 beside "Hypertension, crisis" → I16.9 and "Hypertension, renovascular"
  → I15.0): for each Index term printing a code, its sibling subterms (or, for a main term, its
  own subterms) and the term above it; "with" subterms are left to the pitfalls (combination
  codes). Ranked per code by the words the two codes' titles share, then the shorter (broader)
  code, then nearness in the Index, and cut at :data:`MAX_SUBTERMS`;
* ``gem`` — the ICD-9-CM equivalents of each code in the General Equivalence Mappings.

>>> from icdkit.titles import added
>>> added("Radiculopathy, cervicothoracic region", "Radiculopathy")
'cervicothoracic region'
"""

from __future__ import annotations

import csv
import gzip
import sqlite3
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from icdkit.titles import added
from icdkit.vocabulary import FREE, content, stem, words

DATA = Path(__file__).resolve().parent.parent / "data"
GEM_FILE = DATA / "gems" / "icd10cmtoicd9gem.csv.gz"
MAX_TOPS = 30  # top nodes one note reference may cover and still be stored as a reverse note
MAX_GROUP = 8  # codes sharing one axis value under one grandparent, at most, to be confusable
NEAREST = 2  # in a larger group, the cousins this many categories before and after are kept
MAX_SUBTERMS = 6  # codes of other subterms of the same Index term kept per code
_COMBINATION = ("with ",)  # subterms that prescribe a combination code (the pitfalls' business)
_WEAK = FREE | {"without", "other", "specified", "type", "classified", "elsewhere"}
_KINDS = ("excludes1", "excludes2", "code_first", "use_additional", "code_also")
_CODED = ("category", "subcategory", "code")

DDL = """
CREATE TABLE rel_cousins(key TEXT NOT NULL, other TEXT NOT NULL, value TEXT NOT NULL,
                         PRIMARY KEY(key, other)) WITHOUT ROWID;
CREATE TABLE rel_reverse(key TEXT NOT NULL, note_id INTEGER NOT NULL,
                         PRIMARY KEY(key, note_id)) WITHOUT ROWID;
CREATE TABLE rel_subterms(key TEXT NOT NULL, other TEXT NOT NULL, code TEXT NOT NULL,
                           term INTEGER NOT NULL, other_term INTEGER NOT NULL, rank INTEGER NOT NULL,
                           PRIMARY KEY(key, other)) WITHOUT ROWID;
CREATE TABLE gem(key TEXT NOT NULL, icd9 TEXT NOT NULL, flags TEXT NOT NULL,
                 PRIMARY KEY(key, icd9)) WITHOUT ROWID;
"""


def write(con: sqlite3.Connection) -> dict[str, int]:
    """Fill the relation tables from the nodes and notes already in *con*; return counts."""
    con.executescript(DDL)
    rows = con.execute("SELECT key, parent, title, kind, synthesized FROM nodes ORDER BY seq").fetchall()
    cousins = list(_cousins(rows))
    con.executemany("INSERT OR IGNORE INTO rel_cousins VALUES (?,?,?)", cousins)
    coded = sorted(k for k, _, _, kind, _ in rows if kind in _CODED)
    parent = {k: p for k, p, _, _, _ in rows}
    reverse = list(_reverse(con, coded, parent))
    con.executemany("INSERT OR IGNORE INTO rel_reverse VALUES (?,?)", reverse)
    gems = list(_gems(set(coded)))
    con.executemany("INSERT OR IGNORE INTO gem VALUES (?,?,?)", gems)
    title = {k: t for k, _, t, _, _ in rows}
    subterms = list(_subterms(con, title))
    con.executemany("INSERT OR IGNORE INTO rel_subterms VALUES (?,?,?,?,?,?)", subterms)
    return {"cousins": len(cousins), "reverse": len(reverse), "gem": len(gems), "subterms": len(subterms)}


def _cousins(rows: list[tuple[str, str | None, str, str, int]]) -> Iterator[tuple[str, str, str]]:
    """(key, other, value) for codes under different parents, one grandparent, same value."""
    title = {k: t for k, _, t, _, _ in rows}
    kids: dict[str, list[str]] = defaultdict(list)
    for k, p, _, kind, synth in rows:
        if p is not None and kind in _CODED and not synth:
            kids[p].append(k)
    for grand in list(kids):
        groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for mid in kids[grand]:
            for k in kids.get(mid, ()):
                value = added(title[k], title[mid])
                if value and "encounter" not in value and value != title[k].lower():
                    groups[value].append((k, mid))
        order = {mid: i for i, mid in enumerate(kids[grand])}
        for value, members in groups.items():
            if len(members) < 2:
                continue
            wide = len(members) > MAX_GROUP  # T36.0X5 "adverse effect" under T36: the nearest only
            for k, mid in members:
                for other, other_mid in members:
                    if other_mid != mid and (not wide or abs(order[other_mid] - order[mid]) <= NEAREST):
                        yield k, other, value


def _reverse(
    con: sqlite3.Connection, coded: list[str], parent: dict[str, str | None]
) -> Iterator[tuple[str, int]]:
    """(top node key, note id) for every reference of an Excludes or instructional note."""
    marks = ",".join("?" * len(_KINDS))
    for note_id, lo, hi in con.execute(
        "SELECT r.note_id, r.lo, r.hi FROM note_refs r JOIN notes n ON n.id = r.note_id "
        f"WHERE n.kind IN ({marks})",
        _KINDS,
    ):
        i, j = bisect_left(coded, lo), bisect_right(coded, hi)
        if j - i > 5000:  # a chapter-wide range: never a useful pointer
            continue
        inside = coded[i:j]
        span = set(inside)
        tops = [k for k in inside if parent.get(k) not in span]
        if 0 < len(tops) <= MAX_TOPS:
            for k in tops:
                yield k, note_id


def _gems(known: set[str]) -> Iterator[tuple[str, str, str]]:
    """(key, ICD-9-CM code, flags) of the bundled ICD-10-CM to ICD-9-CM GEM, for known keys."""
    if not GEM_FILE.exists():
        return
    with gzip.open(GEM_FILE, "rt", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            k = row["icd10cm"].strip()
            if k in known and row["no_map"].strip() != "1":
                yield k, row["icd9cm"].strip(), row["flags"].strip()


def _subterms(
    con: sqlite3.Connection, title: dict[str, str]
) -> Iterator[tuple[str, str, str, int, int, int]]:
    """(key, other key, other's printed code, term, other term, rank) for the codes the other
    subterms of the same Alphabetic Index term lead to, the best :data:`MAX_SUBTERMS` per key."""
    terms = con.execute(
        "SELECT id, parent, level, title, code FROM index_terms WHERE book='index' ORDER BY id"
    ).fetchall()
    kids: dict[int, list[int]] = defaultdict(list)
    info: dict[int, tuple[int | None, int, str, str | None]] = {}
    for tid, parent, level, name, code in terms:
        key = (code or "").rstrip("-").rstrip(".").replace(".", "")
        info[tid] = (parent, level, name, key if key in title else None)
        if parent is not None:
            kids[parent].append(tid)
    printed = {tid: code for tid, _, _, _, code in terms}
    found: dict[str, dict[str, tuple[tuple[float, bool, int, int], str, int, int]]] = defaultdict(dict)
    stems: dict[str, frozenset[str]] = {}

    def _stems(text: str) -> frozenset[str]:
        got = stems.get(text)
        if got is None:
            got = stems[text] = frozenset(stem(w) for w in content(words(text)) if w not in _WEAK)
        return got

    for tid, (parent, level, _name, key) in info.items():
        if key is None:
            continue
        group = tid if level == 0 or parent is None else parent
        if info[group][2].lower().startswith(_COMBINATION):  # "Hypertension, with, heart …"
            continue
        others = [t for t in kids.get(group, ()) if t != tid]
        if group != tid:
            others.append(group)  # the term above: "Hypothyroidism" E03.9 for "…, autoimmune" E06.3
        mine = _stems(title[key])
        if not mine & _stems(info[group][2]):  # "Disease, gastroesophageal reflux": not a GERD term
            continue
        for t in others:
            _, _, o_name, other = info[t]
            if other is None or other == key or o_name.lower().startswith(_COMBINATION):
                continue
            theirs = _stems(title[other])
            if not mine & theirs:  # nothing in common but "unspecified": not confusable
                continue
            share = round(len(mine & theirs) / len(mine | theirs), 2)
            score = (-share, other[0] != key[0], len(other), abs(t - tid))
            got = found[key].get(other)
            if got is None or score < got[0]:
                found[key][other] = (score, printed[t], tid, t)
    for key, cands in found.items():
        best = sorted(cands.items(), key=lambda kv: (kv[1][0], kv[0]))[:MAX_SUBTERMS]
        for rank, (other, (_, code, mine_term, t)) in enumerate(best):
            yield key, other, code, mine_term, t, rank
