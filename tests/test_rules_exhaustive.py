"""Exhaustive rule checks against an independent reading of the official FY2026 files.

The tabular XML and the MCE tables are parsed here with the standard library alone (no
icdkit.build, no icdkit.refs); every Excludes1 note with a simple reference, a random sample
of unrelated pairs, MCE edits on dates across 2016-2026 and deleted codes are then checked.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import random
import re
import xml.etree.ElementTree as ET
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from icdkit import KnowledgeBase
from icdkit.rules.check import Checker

DATA = Path(__file__).resolve().parents[1] / "src" / "icdkit" / "data"
TABULAR = DATA / "releases" / "FY2026" / "icd10cm-tabular-April-1-2026.xml.gz"
MCE = DATA / "edits" / "mce_icd10cm_dx_edits_by_date.tsv.gz"
AGES = DATA / "edits" / "mce_age_ranges.tsv"
DAY = "2026-04-01"

_CODE = r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?"
_SINGLE = re.compile(_CODE)
_WILD = re.compile(r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{0,3})?-")
_RANGE = re.compile(rf"({_CODE})-({_CODE})")
_MENTION = re.compile(r"(?<![A-Za-z0-9])([A-Z][0-9][0-9A-Z])[0-9A-Z.]*(?:\s*-\s*([A-Z][0-9][0-9A-Z]))?")


def key(code: str) -> str:
    return code.replace(".", "").rstrip("-")


def dotted(k: str) -> str:
    return k if len(k) <= 3 else f"{k[:3]}.{k[3:]}"


@dataclass
class Official:
    periods: dict[str, list[tuple[str, str, frozenset[str]]]]  # code key -> (start, end, flags)
    ages: dict[str, list[tuple[int, int, str, str]]]  # lowercased category -> (lo, hi, start, end)
    billable: list[str]  # sorted keys valid on DAY
    # every Excludes1 note: (key prefixes of the codes beneath its node, note text)
    notes: list[tuple[tuple[str, ...], str]] = field(default_factory=list)
    # Excludes1 texts on each diag key / "section X" / "chapter N"; each category's section and chapter
    own: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    outer: dict[str, tuple[str, str]] = field(default_factory=dict)

    def under(self, prefixes: tuple[str, ...]) -> list[str]:
        return [c for p in prefixes for c in self.span(p, p)]

    def span(self, lo: str, hi: str) -> list[str]:
        """Billable keys whose first len(lo) characters lie in [lo, hi] (lo and hi same length)."""
        return self.billable[bisect_left(self.billable, lo):bisect_left(self.billable, hi + "~")]

    def effective(self, k: str) -> list[str]:
        """Excludes1 note texts on a code and on every ancestor up to section and chapter."""
        sec, chap = self.outer.get(k[:3], ("", ""))
        return [t for owner in [k[:n] for n in range(len(k), 2, -1)] + [sec, chap] for t in self.own[owner]]


def resolve(text: str) -> list[tuple[str, str]]:
    """The simple references of a note: parenthesised groups made only of single codes,
    wildcards and same-length ranges, each as a key interval (lo, hi) of one length."""
    out: list[tuple[str, str]] = []
    for group in re.findall(r"\(([^()]*)\)", text):
        parts, refs = [p.strip() for p in group.split(",")], []
        for p in parts:
            m = _RANGE.fullmatch(p)
            if _SINGLE.fullmatch(p) or _WILD.fullmatch(p):
                refs.append((key(p), key(p)))
            elif m and len(key(m[1])) == len(key(m[2])) and key(m[1]) <= key(m[2]):
                refs.append((key(m[1]), key(m[2])))
            else:
                break
        else:
            out.extend(refs)
    return out


def mentioned(texts: list[str], category: str) -> bool:
    """Whether any code or category range written anywhere in the texts touches a category."""
    return any(m[1] <= category <= (m[2] or m[1]) for t in texts for m in _MENTION.finditer(t))


@pytest.fixture(scope="module")
def official() -> Official:
    periods: dict[str, list[tuple[str, str, frozenset[str]]]] = defaultdict(list)
    with gzip.open(MCE, "rt", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            flags = frozenset(f.strip() for f in row["mce_edit_flags"].split(",") if f.strip())
            periods[row["icd10cm_code"]].append((row["effective_start"], row["effective_end"], flags))
    ages: dict[str, list[tuple[int, int, str, str]]] = defaultdict(list)
    with open(AGES, encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            ages[row["age_category"].lower()].append(
                (int(row["min_age"]), int(row["max_age"]), row["effective_start"], row["effective_end"]))
    billable = sorted(k for k, ps in periods.items() if any(s <= DAY <= e for s, e, _ in ps))
    off = Official(dict(periods), dict(ages), billable)

    def notes_of(el: ET.Element, owner: str, prefixes: tuple[str, ...]) -> None:
        for ex in el.findall("excludes1"):
            for note in ex.findall("note"):
                text = "".join(note.itertext())
                off.own[owner].append(text)
                off.notes.append((prefixes, text))

    def diag(el: ET.Element, sec: str, chap: str) -> None:
        k = key(el.findtext("name", ""))
        off.outer.setdefault(k[:3], (sec, chap))
        notes_of(el, k, (k,))
        for sub in el.findall("diag"):
            diag(sub, sec, chap)

    with gzip.open(TABULAR) as fh:
        root = ET.parse(fh).getroot()
    for chapter in root.findall("chapter"):
        chap = "chapter " + chapter.findtext("name", "")
        sections = chapter.findall("section")
        cats = {s.get("id", ""): tuple(key(d.findtext("name", "")) for d in s.findall("diag"))
                for s in sections}
        notes_of(chapter, chap, tuple(c for cs in cats.values() for c in cs))
        for s in sections:
            sec = "section " + s.get("id", "")
            notes_of(s, sec, cats[s.get("id", "")])
            for d in s.findall("diag"):
                diag(d, sec, chap)
    return off


@pytest.fixture(scope="module")
def checker(kb: KnowledgeBase) -> Checker:
    kb.preload()
    return Checker(kb)


def excludes1(checker: Checker, a: str, b: str) -> bool:
    r = checker.check([dotted(a), dotted(b)], date=DAY)
    return any(f.rule == "excludes1" and f.severity == "error" and {dotted(a), dotted(b)} <= set(f.codes)
               for f in r.findings)


def test_every_simple_excludes1_note_is_enforced_both_ways(official: Official, checker: Checker) -> None:
    rng = random.Random(20260401)
    missed: list[tuple[str, str, str]] = []
    pairs = 0
    covered: set[str] = set()
    for prefixes, text in official.notes:
        refs = [(lo, hi) for lo, hi in resolve(text) if official.span(lo, hi)]
        inside = official.under(prefixes)
        if not refs or not inside:
            continue
        lo, hi = rng.choice(refs)
        a = rng.choice(inside)
        targets = [c for c in official.span(lo, hi) if c != a]
        if not targets:
            continue
        b = rng.choice(targets)
        pairs += 1
        covered.add(text)
        for x, y in ((a, b), (b, a)):
            if not excludes1(checker, x, y):
                missed.append((dotted(x), dotted(y), text))
    print(f"\nexcludes1: {len(official.notes)} notes, {pairs} checked ({len(covered)} distinct texts)")
    assert pairs > 3500
    assert not missed, f"{len(missed)} missed, e.g. {missed[:10]}"


def test_unrelated_pairs_raise_no_excludes1(official: Official, checker: Checker) -> None:
    rng = random.Random(7)
    refs: dict[str, list[tuple[str, str]]] = {}

    def covers(a: str, b: str) -> bool:
        got = refs.get(a)
        if got is None:
            got = refs[a] = [r for t in official.effective(a) for r in resolve(t)]
        return any(lo <= b[:len(lo)] <= hi for lo, hi in got)

    done, related, false_hits = 0, 0, []
    while done < 2000:
        a, b = rng.sample(official.billable, 2)
        if covers(a, b) or covers(b, a) or \
                mentioned(official.effective(a), b[:3]) or mentioned(official.effective(b), a[:3]):
            related += 1
            continue
        done += 1
        r = checker.check([dotted(a), dotted(b)], date=DAY)
        false_hits += [(f.codes, f.source.text) for f in r.findings if f.rule == "excludes1"]
    print(f"\nunrelated pairs: {done} checked, {related} related pairs drawn and set aside")
    assert not false_hits, f"{len(false_hits)} unexpected, e.g. {false_hits[:10]}"


PRINCIPAL = {"manifestation": "manifestation-principal", "ecodepdx": "external-cause-principal",
             "unacceptable": "unacceptable-principal", "reqsdx": "unacceptable-principal"}
MCE_RULES = {"age", "sex", *PRINCIPAL.values()}


def _day_between(rng: random.Random, lo: str, hi: str) -> str | None:
    a, b = dt.date.fromisoformat(max(lo, "2016-01-01")), dt.date.fromisoformat(min(hi, "2026-12-31"))
    return None if a > b else (a + dt.timedelta(days=rng.randint(0, (b - a).days))).isoformat()


def test_mce_edits_on_dates_2016_to_2026(official: Official, checker: Checker) -> None:
    rng = random.Random(44)
    rows = [(k, p) for k, ps in official.periods.items() for p in ps]
    interesting = [r for r in rows if r[1][2] & {*PRINCIPAL, "female", "male", "newborn", "pediatric",
                                                 "maternity", "adult"}]
    sample = rng.sample(rows, 1500) + rng.sample(interesting, 1500)
    edge_ages = [0, 1, 8, 9, 11, 12, 14, 15, 17, 18, 55, 56, 64, 65, 124]
    wrong: list[tuple[object, ...]] = []
    counts: dict[str, int] = defaultdict(int)
    for k, (start, end, flags) in sample:
        day = _day_between(rng, start, end)
        if day is None:
            continue
        age = rng.choice(edge_ages) if rng.random() < 0.5 else rng.randint(0, 124)
        sex = rng.choice("FM")
        expected = {PRINCIPAL[f] for f in flags if f in PRINCIPAL}
        for cat, spans in official.ages.items():
            if cat in flags and any(s <= day <= e and not lo <= age <= hi for lo, hi, s, e in spans):
                expected.add("age")
        if ("female" in flags and sex != "F") or ("male" in flags and sex != "M"):
            expected.add("sex")
        r = checker.check([dotted(k)], age=age, sex=sex, date=day, setting="inpatient")
        got = {f.rule for f in r.findings if f.rule in MCE_RULES}
        bad_sev = [f.rule for f in r.findings if f.rule in MCE_RULES and f.severity != "error"]
        counts["checked"] += 1
        for rule in expected:
            counts[rule] += 1
        if got != expected or bad_sev:
            wrong.append((dotted(k), day, age, sex, sorted(flags), sorted(expected), sorted(got), bad_sev))
    print(f"\nMCE: {dict(counts)}")
    assert counts["checked"] > 2900 and all(counts[r] > 20 for r in MCE_RULES)
    assert not wrong, f"{len(wrong)} wrong, e.g. {wrong[:10]}"


def test_deleted_codes_invalid_after_their_end_only(official: Official, checker: Checker) -> None:
    rng = random.Random(10)
    deleted = sorted(k for k, ps in official.periods.items()
                     if max(e for _, e, _ in ps) < DAY and not any(s <= DAY <= e for s, e, _ in ps))
    sample = rng.sample(deleted, min(500, len(deleted)))
    billable = set(official.billable)
    wrong: list[tuple[str, str, list[str]]] = []
    seventh = 0
    for k in sample:
        r = checker.check([dotted(k)], date=DAY)
        errors = [f for f in r.findings if f.severity == "error" and dotted(k) in f.codes]
        # A deleted code that is now a header taking a 7th character (E11.321 -> E11.3211 …), or
        # a 7th character the valid set no longer has (S06.367D), gets the more specific
        # seventh-character error; accept it when every valid completion offered is billable.
        fine = [f for f in errors if f.rule in ("invalid-code", "non-billable") or (
            f.rule == "seventh-character" and f.suggestions and {key(c) for c in f.suggestions} <= billable)]
        seventh += any(f.rule == "seventh-character" for f in fine)
        if not fine:
            wrong.append((dotted(k), DAY, [f.rule for f in r.findings]))
        start, end, _ = rng.choice(official.periods[k])
        day = _day_between(rng, start, end) or start
        r = checker.check([dotted(k)], date=day)
        if any(f.rule in ("invalid-code", "non-billable", "seventh-character") for f in r.findings):
            wrong.append((dotted(k), day, [f.rule for f in r.findings]))
    print(f"\ndeleted codes: {len(deleted)}, {len(sample)} checked ({seventh} as seventh-character)")
    assert len(sample) >= 400
    assert not wrong, f"{len(wrong)} wrong, e.g. {wrong[:10]}"
