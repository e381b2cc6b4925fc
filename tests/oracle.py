"""The per-row checker, kept under tests/ as the oracle of the evaluator: every rule family run
one encounter at a time over its resolved context, findings collected in severity order (the
way icdkit checked before ``check()`` became the evaluator on one encounter, rules/check.py).
Only this module runs the rules one row at a time; icdkit itself has one evaluator
(rules/columnar.py). It shares the rule modules' findings (their ``*_templates`` and
``conflicts``, ``instructed``, ``code_findings`` …) and walks the encounter its own way — pair
by pair with ``Governing.cell``, code by code — so the equivalence tests hold the evaluator's
arrays, pair screen, ordering and JSON to it, finding for finding.

>>> from icdkit import KnowledgeBase
>>> [f.rule for f in oracle(KnowledgeBase.open(), ["M54.2", "M50.20"]).findings if f.severity == "error"]
['excludes1']
"""

from __future__ import annotations

import json
from typing import Any, Generic, TypeVar

from icdkit.kb import KnowledgeBase
from icdkit.rules.codeset import code_findings
from icdkit.rules.context import Context, Item
from icdkit.rules.encounters import Rules, encounter
from icdkit.rules.excludes import exact_templates, inexact_templates
from icdkit.rules.finding_templates import Template
from icdkit.rules.findings import SEVERITIES, Finding, Report
from icdkit.rules.governing_notes import Cell
from icdkit.rules.info import cc_role, cc_templates, hcc_findings, hcc_year
from icdkit.rules.mce import conflicts, principal_templates, sex_unchecked_templates, unspecified_templates
from icdkit.rules.render import finding_json
from icdkit.rules.rule_cache import RuleCache
from icdkit.rules.sequencing import absent_templates, instructed

T = TypeVar("T")
_RANK = {s: i for i, s in enumerate(SEVERITIES)}
#: by a valid item's position, the other valid items its notes may name, each with its cell
Near = dict[int, list[tuple[Item, Cell]]]

_rules: dict[int, tuple[KnowledgeBase, Rules]] = {}


class _Ranked(Generic[T]):
    """What a sink holds: one list per severity, in the order the rules put them."""

    __slots__ = ("ranks",)

    def __init__(self) -> None:
        self.ranks: tuple[list[T], ...] = tuple([] for _ in SEVERITIES)

    @property
    def ok(self) -> bool:
        """True when no finding is an error."""
        return not self.ranks[0]


class FindingSink(_Ranked[Finding]):
    """Collects Finding objects, by severity (what ``check()`` returns)."""

    __slots__ = ()

    def add(self, finding: Finding) -> None:
        self.ranks[_RANK[finding.severity]].append(finding)

    def put(self, templates: tuple[Template, ...], first: str = "", second: str = "") -> None:
        for t in templates:
            self.ranks[t.rank].append(t.fill(first, second))

    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for rank in self.ranks for f in rank)


class JsonSink(_Ranked[str]):
    """Collects the JSON text of each finding, by severity (what a batch line holds)."""

    __slots__ = ()

    def add(self, finding: Finding) -> None:
        self.ranks[_RANK[finding.severity]].append(finding_json(finding))

    def put(self, templates: tuple[Template, ...], first: str = "", second: str = "") -> None:
        for t in templates:
            self.ranks[t.rank].append(t.json(first, second))

    def body(self) -> str:
        """The findings' JSON texts, as the items of a JSON array."""
        return ", ".join(f for rank in self.ranks for f in rank)


def oracle(kb: KnowledgeBase, codes: Any, **patient: Any) -> Report:
    """What the rules say of one encounter, one rule family after another."""
    got = _rules.get(id(kb))
    if got is None or got[0] is not kb:
        got = _rules[id(kb)] = (kb, Rules(kb))
    rules = got[1]
    enc = encounter(codes, **patient)
    ctx = rules.prepare(enc)
    cache, sink = rules.cache, FindingSink()
    near = _near(ctx)
    _codes(ctx, cache, sink)
    _excludes(ctx, cache, near, sink)
    _sequencing(ctx, cache, near, sink)
    _mce(ctx, cache, sink)
    _info(ctx, cache, sink)
    given = "given" if enc.date is not None else "default"
    return Report(sink.findings(), kb.release, ctx.day, given, kb.label)


def oracle_line(kb: KnowledgeBase, row: dict[str, Any]) -> str:
    """A batch's JSON Lines result for a readable *row* (id, codes, age, sex, date, setting),
    from :func:`oracle`: as ``json.dumps`` writes each finding."""
    report = oracle(kb, row["codes"], age=row.get("age"), sex=row.get("sex"), date=row.get("date"),
                    setting=row.get("setting"))
    body = ", ".join(json.dumps(f.to_dict()) for f in report.findings)
    ok = "true" if report.ok else "false"
    return f'{{"id": {json.dumps(row["id"])}, "ok": {ok}, "findings": [{body}]}}'


def _near(ctx: Context) -> Near:
    """For each valid item's position, the other valid items its notes may name (often none),
    each with the cell of its governing screen it falls in: one bisection of the key strings
    per pair (``Governing.cell``), where the evaluator screens a chunk's pairs at once
    (``Screen.live``; tests/test_pair_screen.py holds the two to the same pairs)."""
    got: Near = {}
    items = ctx.valid
    for a in items if len(items) > 1 else ():
        gov = a.governing
        if gov.bounds:
            found = [(b, c) for b in items if b is not a and (c := gov.cell(b.key or "")) is not None]
            if found:
                got[a.position] = found
    return got


def _codes(ctx: Context, cache: RuleCache, out: FindingSink) -> None:
    for _, said in code_findings(ctx, cache):
        if isinstance(said, Finding):
            out.add(said)
        else:
            out.put(said)


def _excludes(ctx: Context, cache: RuleCache, near: Near, out: FindingSink) -> None:
    for a in ctx.valid:
        gov = a.governing
        owner = a.shown == gov.owner  # else every note is inherited
        for b, cell in near.get(a.position, ()):
            if not cell.excludes or b.key == a.key:
                continue
            if cell.exact:
                rendered = exact_templates(cache, gov, cell, owner)
            else:
                rendered = inexact_templates(cache, gov, cell, owner, b.key or "")
            out.put(rendered, a.shown, b.shown)


def _sequencing(ctx: Context, cache: RuleCache, near: Near, out: FindingSink) -> None:
    for item in ctx.valid:
        named = [b for b, cell in near.get(item.position, ()) if cell.named]
        first, manifestation = item.position == 0, item.elsewhere or "manifestation" in item.flags
        if not named:
            out.put(absent_templates(cache, item.governing, first, manifestation), item.shown)
            continue
        for said in instructed(cache, item.governing, item.shown, item.position, manifestation,
                               [(b.key or "", b.position, b.shown) for b in named]):
            if isinstance(said, Finding):
                out.add(said)
            else:
                out.put(said, item.shown)


def _mce(ctx: Context, cache: RuleCache, out: FindingSink) -> None:
    enc = ctx.encounter
    ranges = cache.age_ranges(ctx.day) if enc.age is not None else {}
    for item in ctx.items:
        period = item.period
        if period is None or not period.flags:
            continue
        for f in conflicts(cache, item.shown, period, ctx.day, enc.age, enc.sex, ranges):
            out.add(f)
        if "unspecified" in period.flags:
            out.put(unspecified_templates(cache, item.key or "", period), item.shown)
    first = ctx.principal
    if first is not None and first.period is not None and first.period.flags:
        out.put(principal_templates(cache, first.period, ctx.inpatient, len(ctx.items) > 1), first.shown)
    span = cache.sex_edits
    if enc.sex is not None and not (span is not None and span[0] <= ctx.day <= span[1]):
        out.put(sex_unchecked_templates(cache, enc.sex))


def _info(ctx: Context, cache: RuleCache, out: FindingSink) -> None:
    first = ctx.principal
    year = hcc_year(ctx.day)
    for item in ctx.valid:
        sev, hcc = item.info
        if sev is not None:
            role = ("principal" if item is first else
                    cc_role(cache.kb, sev, first.key, first.shown) if first is not None else "secondary")
            out.put(cc_templates(cache, sev, role), item.shown)
        if hcc:
            out.put(hcc_findings(cache, item.key or "", item.shown, year))
