"""Check the note-coding development set against the official data, without icdkit.

Reads only the files the package bundles (the FY2026 Tabular List XML and the MCE valid-code
table by date, both gzipped copies of the official files) and ``notes.jsonl`` beside this script.
Example: note n001 dated 2026-03-15 expecting E11.22 passes only if E11.22 is a valid code on
2026-03-15 in the MCE table; a note listing E11.22 both as expected and forbidden fails.

    python benchmarks/notes/validate.py            # exit 0 when every check passes
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "src" / "icdkit" / "data"
MCE = DATA / "edits" / "mce_icd10cm_dx_edits_by_date.tsv.gz"
TABULAR = DATA / "releases" / "FY2026" / "icd10cm-tabular-April-1-2026.xml.gz"
FIELDS = ("id", "setting", "venue", "specialty", "age", "sex", "date", "text", "expected", "forbidden", "why")
VENUES = {"office": "outpatient", "ED": "outpatient", "inpatient": "inpatient"}
# MCE age edits (mce_age_ranges.tsv, from 2019-10-01): flag -> inclusive age range in years.
AGES = {"newborn": (0, 0), "pediatric": (0, 17), "maternity": (9, 64), "adult": (15, 124)}
CODE = re.compile(r"^[A-Z][0-9A-Z]{2}(\.[0-9A-Z]{1,4})?$")
REF = re.compile(r"\(([A-Z][0-9A-Z.\-,\s]+)\)")


def load_mce() -> dict[str, list[tuple[str, str, set[str]]]]:
    """Code (no dot) -> its validity periods with the MCE edit flags of each."""
    periods: dict[str, list[tuple[str, str, set[str]]]] = collections.defaultdict(list)
    with gzip.open(MCE, "rt", encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            code, start, end, *flags = line.rstrip("\n").split("\t")
            periods[code].append((start, end, set(filter(None, ",".join(flags).split(",")))))
    return periods


def load_excludes1() -> dict[str, list[str]]:
    """Tabular code (no dot) -> the code references in its own Excludes1 notes."""
    out: dict[str, list[str]] = {}
    with gzip.open(TABULAR, "rb") as fh:
        root = ET.parse(fh).getroot()
    for diag in root.iter("diag"):
        name = (diag.findtext("name") or "").replace(".", "")
        ex = diag.find("excludes1")
        if ex is None:
            continue
        refs: list[str] = []
        for note in ex.findall("note"):
            for group in REF.findall(note.text or ""):
                refs.extend(r.strip() for r in group.split(",") if r.strip())
        out[name] = refs
    return out


def _covers(ref: str, code: str) -> bool:
    """True when an Excludes1 reference such as 'N20.-', 'E11.0-E11.8' or 'I69.35-' covers code."""
    ref = ref.replace(".", "")
    if ref.endswith("-") and ref.count("-") == 1:
        return code.startswith(ref[:-1])
    if "-" in ref:
        lo, hi = (p.rstrip("-") for p in ref.split("-", 1))
        return lo <= code[: len(lo)] and code[: len(hi)] <= hi
    return code.startswith(ref)


def excludes1_pairs(codes: list[str], ex1: dict[str, list[str]]) -> list[tuple[str, str]]:
    """Pairs (a, b) of the given codes where an ancestor of a excludes b (Excludes1)."""
    bare = [c.replace(".", "") for c in codes]
    pairs = []
    for a, ca in zip(codes, bare, strict=True):
        notes = [r for n in range(3, len(ca) + 1) for r in ex1.get(ca[:n], [])]
        for b, cb in zip(codes, bare, strict=True):
            if a != b and any(_covers(r, cb) for r in notes):
                pairs.append((a, b))
    return pairs


def check(path: Path) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """Errors and warnings for every note in path, and the notes read."""
    mce, ex1 = load_mce(), load_excludes1()
    errors: list[str] = []
    warnings: list[str] = []
    notes: list[dict[str, Any]] = [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    seen: set[str] = set()
    for note in notes:
        nid = str(note.get("id"))
        err = errors.append
        if tuple(note) != FIELDS:
            err(f"{nid}: fields {list(note)} are not {list(FIELDS)}")
            continue
        if nid in seen:
            err(f"{nid}: duplicate id")
        seen.add(nid)
        if VENUES.get(note["venue"]) != note["setting"]:
            err(f"{nid}: venue {note['venue']} does not go with setting {note['setting']}")
        if note["sex"] not in ("F", "M") or not isinstance(note["age"], int):
            err(f"{nid}: bad sex or age")
        words = len(str(note["text"]).split())
        if not 60 <= words <= 300:
            err(f"{nid}: {words} words (60-300)")
        expected, forbidden = list(note["expected"]), list(note["forbidden"])
        if not 1 <= len(expected) <= 5 or not forbidden:
            err(f"{nid}: {len(expected)} expected, {len(forbidden)} forbidden (want 1-5 and >= 1)")
        if set(expected) & set(forbidden):
            err(f"{nid}: in both expected and forbidden: {sorted(set(expected) & set(forbidden))}")
        if len(set(expected)) != len(expected) or len(set(forbidden)) != len(forbidden):
            err(f"{nid}: a code is listed twice")
        for code in expected + forbidden:
            valid = [f for s, e, f in mce.get(code.replace(".", ""), []) if s <= note["date"] <= e]
            if not CODE.match(code):
                err(f"{nid}: {code} is not written as a dotted ICD-10-CM code")
            elif not valid:
                err(f"{nid}: {code} is not a valid (billable) code on {note['date']}")
            elif code in expected:
                for flag, (lo, hi) in AGES.items():
                    if flag in valid[0] and not lo <= int(note["age"]) <= hi:
                        err(f"{nid}: {code} has the MCE {flag} edit ({lo}-{hi}) but age is {note['age']}")
        for a, b in excludes1_pairs(expected, ex1):
            warnings.append(f"{nid}: Excludes1 at {a} names {b}, both expected")
    return errors, warnings, notes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=HERE / "notes.jsonl")
    args = parser.parse_args()
    errors, warnings, notes = check(args.path)
    for line in errors + warnings:
        print(line)
    venues = collections.Counter(str(n["venue"]) for n in notes)
    n_exp = sum(len(n["expected"]) for n in notes)
    n_forb = sum(len(n["forbidden"]) for n in notes)
    print(
        f"{len(notes)} notes ({', '.join(f'{k} {v}' for k, v in sorted(venues.items()))}); "
        f"{n_exp} expected and {n_forb} forbidden codes; {len(errors)} errors, {len(warnings)} warnings"
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
