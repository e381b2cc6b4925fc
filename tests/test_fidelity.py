"""Fidelity: every knowledge base against the official CMS files, read here independently of icdkit.

The Tabular List XML, the FY2025 order file and the MCE validity table are parsed with the standard
library only; the expectations below come from that reading, never from icdkit's own parser.
"""

from __future__ import annotations

import bisect
import functools
import gzip
import random
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "src" / "icdkit" / "data"
RELEASES = {  # release -> (tabular XML, effective date, kb fixture)
    "FY2026": ("releases/FY2026/icd10cm-tabular-April-1-2026.xml.gz", "2026-04-01", "kb"),
    "FY2025": ("releases/FY2025/icd10cm-tabular-April-2025.xml.gz", "2025-04-01", "kb25"),
}
ORDER_2025 = "releases/FY2025/icd10cm_order_2025.txt.gz"
MCE = "edits/mce_icd10cm_dx_edits_by_date.tsv.gz"
KINDS = {
    "includes": "includes", "inclusionTerm": "inclusion_term", "excludes1": "excludes1",
    "excludes2": "excludes2", "codeFirst": "code_first", "useAdditionalCode": "use_additional",
    "codeAlso": "code_also", "notes": "note", "sevenChrNote": "seventh_note",
}
_TRAILING_RANGE = re.compile(r"\s*\([A-Z0-9.]+(?:-[A-Z0-9.]+)?\)$")
SAMPLE = 500


@dataclass(eq=False)
class Node:
    code: str  # display form: '13', 'M50-M54', 'M54.0', 'S13.4XXA'
    kind: str  # chapter | block | diag | expanded (a 7th-character code)
    title: str
    parent: Node | None
    notes: list[tuple[str, str]] = field(default_factory=list)  # (kind, text) in document order
    children: list[Node] = field(default_factory=list)
    seventh: dict[str, str] = field(default_factory=dict)  # 7th characters that apply here
    # the lines printed under a 7th character (a <note> after its <extension>)
    seventh_terms: dict[str, list[str]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.code.replace(".", "")

    def lineage(self) -> list[Node]:
        """Parent, grandparent … chapter (nearest first)."""
        out, p = [], self.parent
        while p is not None:
            out.append(p)
            p = p.parent
        return out

    def up(self, kind: str) -> Node:
        return next(n for n in (self, *self.lineage()) if n.kind == kind)


@dataclass
class Tab:
    chapters: list[Node] = field(default_factory=list)
    sections: list[Node] = field(default_factory=list)
    diags: dict[str, Node] = field(default_factory=dict)  # key -> diag
    expanded: dict[str, Node] = field(default_factory=dict)  # key -> every 7th-character expansion

    def nodes(self) -> list[Node]:
        return [*self.chapters, *self.sections, *self.diags.values()]


def _text(el: ET.Element | None) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def _notes(el: ET.Element) -> list[tuple[str, str]]:
    out = []
    for child in el:
        if child.tag in KINDS:
            out += [(KINDS[child.tag], _text(n)) for n in child.findall("note")]
    return out


def _seventh_terms(own: ET.Element) -> dict[str, list[str]]:
    """Each <note> inside a sevenChrDef is a line printed under the character before it."""
    out: dict[str, list[str]] = {}
    char = None
    for item in own:
        if item.tag == "extension":
            char = item.get("char", "")
        elif item.tag == "note":
            assert char is not None, "a sevenChrDef note before any character"
            out.setdefault(char, []).append(_text(item))
    return out


def _diag(el: ET.Element, parent: Node, seventh: dict[str, str], tab: Tab,
          terms: dict[str, list[str]] | None = None) -> None:
    own = el.find("sevenChrDef")
    if own is not None:
        seventh = {e.get("char", ""): _text(e) for e in own.findall("extension")}
        terms = _seventh_terms(own)
    node = Node(_text(el.find("name")), "diag", _text(el.find("desc")), parent, _notes(el), seventh=seventh,
                seventh_terms=terms or {})
    parent.children.append(node)
    tab.diags[node.key] = node
    kids = el.findall("diag")
    for kid in kids:
        _diag(kid, node, seventh, tab, terms)
    if not kids:
        for char, meaning in seventh.items():
            k = node.key.ljust(6, "X") + char
            x = Node(f"{k[:3]}.{k[3:]}", "expanded", f"{node.title}, {meaning}", node, seventh=seventh,
                     seventh_terms=terms or {})
            node.children.append(x)
            tab.expanded[x.key] = x


@functools.cache
def tabular(release: str) -> Tab:
    with gzip.open(DATA / RELEASES[release][0]) as fh:
        root = ET.parse(fh).getroot()
    tab = Tab()
    for ch in root.findall("chapter"):
        chapter = Node(_text(ch.find("name")), "chapter", _TRAILING_RANGE.sub("", _text(ch.find("desc"))),
                       None, _notes(ch))
        tab.chapters.append(chapter)
        for sec in ch.findall("section"):
            section = Node(sec.get("id", ""), "block", _TRAILING_RANGE.sub("", _text(sec.find("desc"))),
                           chapter, _notes(sec))
            chapter.children.append(section)
            tab.sections.append(section)
            for d in sec.findall("diag"):
                _diag(d, section, {}, tab)
    return tab


@functools.cache
def valid_on(day: str) -> frozenset[str]:
    with gzip.open(DATA / MCE, "rt", encoding="utf-8") as fh:
        rows = [line.rstrip("\n").split("\t") for line in fh][1:]
    return frozenset(r[0] for r in rows if r[1] <= day <= r[2])


def present(release: str) -> dict[str, Node]:
    """Every code the release should hold: its diags plus the 7th-character codes that are valid."""
    tab, valid = tabular(release), valid_on(RELEASES[release][1])
    return {**tab.diags, **{k: x for k, x in tab.expanded.items() if k in valid}}


def expected_kind(n: Node) -> str:
    if n.kind in ("chapter", "block"):
        return n.kind
    if n.kind == "diag" and len(n.key) == 3:
        return "category"
    return "subcategory" if n.children else "code"


def kids_of(n: Node, release: str) -> list[str]:
    valid = valid_on(RELEASES[release][1])
    return [c.code for c in n.children if c.kind != "expanded" or c.key in valid]


def find(k, n: Node):  # type: ignore[no-untyped-def]
    """The kb node of a tabular node. A block is looked for among its chapter's children, since a
    one-category block (section B20) has the same name as its category."""
    if n.kind == "block" and n.parent is not None:
        return next((c for c in k.children(n.parent.code) if c.kind == "block" and c.code == n.code), None)
    return k.find(n.code)


def ident(n: Node | None) -> tuple[str, str] | None:
    return (n.code, expected_kind(n)) if n is not None else None


def parent_ident(k, c) -> tuple[str, str] | None:  # type: ignore[no-untyped-def]
    """(code, kind) of a kb node's parent: parent keys of blocks are the kb's business."""
    p = k.find(c.parent_key) if c.parent_key else None
    return (p.code, p.kind) if p is not None else None


def report(problems: list[str], what: str) -> None:
    assert not problems, f"{len(problems)} {what}:\n" + "\n".join(problems[:25])


@pytest.fixture(params=list(RELEASES))
def release(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def rkb(release: str, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    k = request.getfixturevalue(RELEASES[release][2])
    k.preload()
    return k


def test_billable_codes_are_the_valid_set_with_tabular_titles(release: str, rkb) -> None:  # type: ignore[no-untyped-def]
    tab, valid = tabular(release), valid_on(RELEASES[release][1])
    problems = []
    billable = {c.key for c in rkb.iter_codes(billable_only=True)}
    problems += [f"valid on {RELEASES[release][1]} but not a billable code of iter_codes: {k}"
                 for k in sorted(valid - billable)]
    problems += [f"billable but not valid on {RELEASES[release][1]}: {k}" for k in sorted(billable - valid)]
    for k in sorted(valid):
        src = tab.expanded.get(k) or tab.diags.get(k)
        c = rkb.find(k)
        if src is None or src.children:
            problems.append(f"{k}: valid, but the tabular has no leaf or 7th-character code for it")
        elif c is None:
            problems.append(f"{k}: missing")
        elif not c.billable or c.title != src.title or c.code != src.code:
            problems.append(f"{c.code}: billable={c.billable} title={c.title!r}; expected {src.title!r}")
    report(problems, "disagreements with the MCE valid set / tabular titles")


def _fold(s: str) -> str:
    return " ".join(unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().split())


def test_fy2025_order_file(kb25) -> None:  # type: ignore[no-untyped-def]
    kb25.preload()
    problems, n = [], 0
    with gzip.open(DATA / ORDER_2025, "rt", encoding="latin-1") as fh:
        for line in fh:
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            n += 1
            key, flag, short, long = line[6:13].strip(), line[14], line[16:76].strip(), line[77:].strip()
            c = kb25.find(key)
            if c is None:
                problems.append(f"{key}: in the order file, not in kb")
                continue
            if c.billable != (flag == "1"):
                problems.append(f"{c.code}: billable={c.billable}, order flag {flag}")
            if _fold(c.title) != _fold(long):
                problems.append(f"{c.code}: title {c.title!r} != order {long!r}")
            if c.short_title is not None and _fold(c.short_title) != _fold(short):
                problems.append(f"{c.code}: short title {c.short_title!r} != order {short!r}")
    assert n > 70_000
    report(problems, "disagreements with the order file")


def test_headers_chapters_and_sections(release: str, rkb) -> None:  # type: ignore[no-untyped-def]
    tab = tabular(release)
    problems = []
    assert [(c.code, c.title) for c in rkb.chapters()] == [(c.code, c.title) for c in tab.chapters]
    for n in [*tab.sections, *tab.diags.values()]:
        c = find(rkb, n)
        want = (n.code, expected_kind(n), n.title, ident(n.parent))
        if c is None:
            problems.append(f"{n.code} ({n.kind}): missing")
        elif (c.code, c.kind, c.title, parent_ident(rkb, c)) != want:
            problems.append(f"{n.code}: {(c.code, c.kind, c.title, parent_ident(rkb, c))} != {want}")
        elif n.children and c.billable:
            problems.append(f"{n.code}: has children in the tabular but is billable")
    report(problems, "tabular nodes missing or differing")


def test_every_note_is_reproduced_with_its_source(rkb, release: str) -> None:  # type: ignore[no-untyped-def]
    tab = tabular(release)
    problems = []
    xml_total: Counter[str] = Counter()
    for n in tab.nodes():
        xml_total.update(kind for kind, _ in n.notes)
        c = find(rkb, n)
        if c is None:
            problems.append(f"{n.code}: missing, so are its {len(n.notes)} notes")
            continue
        got = rkb.notes(c.key)
        if Counter((g.kind, g.text) for g in got) != Counter(n.notes):
            missing = Counter(n.notes) - Counter((g.kind, g.text) for g in got)
            extra = Counter((g.kind, g.text) for g in got) - Counter(n.notes)
            problems.append(f"{n.code}: missing {list(missing)[:3]} extra {list(extra)[:3]}")
        want_src = (n.code, expected_kind(n))
        problems += [f"{n.code}: note {g.text[:40]!r} has source {(g.source, g.source_kind)} != {want_src}"
                     for g in got if (g.source, g.source_kind) != want_src]
    # totals over every node reachable in the kb
    kb_total: Counter[str] = Counter()
    seen: set[tuple[str, str]] = set()
    stack = list(rkb.chapters())
    while stack:
        c = stack.pop()
        if (c.key, c.kind) in seen:
            continue
        seen.add((c.key, c.kind))
        kb_total.update(g.kind for g in rkb.notes(c.key) if g.source_kind == c.kind)
        stack.extend(rkb.children(c.key))
    if kb_total != xml_total:
        problems.append(f"note totals per kind: kb {dict(kb_total)} != xml {dict(xml_total)}")
    report(problems, "note problems")


def _sample(release: str) -> list[Node]:
    pool = present(release)
    keys = random.Random(20260401).sample(sorted(pool), SAMPLE)
    keys += [k for k in tabular(release).diags if len(k) == 3]  # every category, too
    return [pool[k] for k in dict.fromkeys(keys)]


def test_hierarchy_sample(release: str, rkb) -> None:  # type: ignore[no-untyped-def]
    problems = []
    for n in _sample(release):
        c = rkb.find(n.code)
        if c is None:
            problems.append(f"{n.code}: missing")
            continue
        lineage = n.lineage()
        want = {
            "kind": expected_kind(n),
            "parent": ident(n.parent),
            "ancestors": [ident(a) for a in lineage],
            "children": kids_of(n, release),
            "chapter": n.up("chapter").code,
            "block": n.up("block").code,
            "depth": len(lineage),
            "seventh": n.seventh,
            "seventh_terms": n.seventh_terms,
        }
        got = {
            "kind": c.kind,
            "parent": parent_ident(rkb, c),
            "ancestors": [(a.code, a.kind) for a in rkb.ancestors(n.code)],
            "children": [x.code for x in rkb.children(n.code)],
            "chapter": c.chapter,
            "block": c.block,
            "depth": c.depth,
            "seventh": rkb.seventh_characters(n.code),
            "seventh_terms": rkb.seventh_terms(n.code),
        }
        problems += [f"{n.code} {f}: {got[f]!r} != {want[f]!r}" for f in want if got[f] != want[f]]
    report(problems, "hierarchy differences")


def test_effective_notes_sample(release: str, rkb) -> None:  # type: ignore[no-untyped-def]
    problems = []
    for n in _sample(release):
        if rkb.find(n.code) is None:
            problems.append(f"{n.code}: missing")
            continue
        want = [(a.code, kind, text) for a in (n, *n.lineage()) for kind, text in a.notes]
        got = [(g.source, g.kind, g.text) for g in rkb.effective_notes(n.code)]
        # nearest first: the sequence of sources is fixed; within one node the order is free
        if [s for s, *_ in got] != [s for s, *_ in want] or Counter(got) != Counter(want):
            problems.append(f"{n.code}: {len(got)} effective notes, expected {len(want)}; "
                            f"missing {list(Counter(want) - Counter(got))[:2]}, "
                            f"extra {list(Counter(got) - Counter(want))[:2]}")
        excl = [(g.source, g.text) for g in rkb.effective_notes(n.code, kinds={"excludes1"})]
        if excl != [(s, t) for s, k, t in got if k == "excludes1"]:
            problems.append(f"{n.code}: effective_notes(kinds={{'excludes1'}}) is not the filtered list")
    report(problems, "effective-note differences")


_CAT = r"[A-Z][0-9][0-9A-Z]"
_SINGLE = re.compile(rf"{_CAT}(?:\.[0-9A-Z]{{1,4}})?")
_WILD = re.compile(rf"({_CAT})(?:\.([0-9A-Z]{{0,3}}))?-")
_RANGE = re.compile(rf"({_CAT})-({_CAT})")


def _expected_cover(item: str, pool: list[str]) -> set[str] | None:
    """Keys a parenthesised reference must cover (pool: sorted keys), or None for other shapes."""
    if _SINGLE.fullmatch(item):
        k = item.replace(".", "")
        i = bisect.bisect_left(pool, k)
        return {k} if pool[i:i + 1] == [k] else set()
    if m := _WILD.fullmatch(item):
        prefix = m[1] + (m[2] or "")
        return set(pool[bisect.bisect_left(pool, prefix):bisect.bisect_left(pool, prefix + "~")])
    if m := _RANGE.fullmatch(item):
        span = pool[bisect.bisect_left(pool, m[1]):bisect.bisect_right(pool, m[2])]
        return {k for k in span if len(k) == 3}
    return None


def test_excludes1_references_resolve(kb) -> None:  # type: ignore[no-untyped-def]
    kb.preload()
    tab, pool = tabular("FY2026"), sorted(present("FY2026"))
    problems, checked = [], 0
    resolved_by_ref: dict[object, set[str]] = {}
    for n in tab.nodes():
        for kind, text in n.notes:
            if kind != "excludes1":
                continue
            want: set[str] = set()
            for group in re.findall(r"\(([^()]*)\)", text):
                covers = [_expected_cover(item.strip(), pool) for item in group.split(",")]
                if covers and all(c is not None for c in covers):
                    want.update(*covers)  # type: ignore[arg-type]
            if not want:
                continue
            checked += 1
            c = find(kb, n)
            note = next((g for g in kb.notes(c.key, kinds={"excludes1"}) if g.text == text), None) \
                if c is not None else None
            if note is None:
                problems.append(f"{n.code}: excludes1 {text!r} not found")
                continue
            resolved: set[str] = set()
            for r in note.refs:
                if r not in resolved_by_ref:
                    resolved_by_ref[r] = {c.key for c in kb.resolve(r)}
                resolved |= resolved_by_ref[r]
            if want - resolved:
                problems.append(f"{n.code}: {text!r} does not cover {sorted(want - resolved)[:5]}")
    assert checked > 1500
    report(problems, "excludes1 references not resolved")
