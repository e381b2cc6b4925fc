"""The per-row checker, kept under tests/ as the oracle of the evaluator: every rule family's
``check_*`` run one encounter at a time over its resolved context (the way icdkit checked
before ``check()`` became the evaluator on one encounter, rules/check.py). The equivalence
tests hold the evaluator to it, finding for finding."""

from __future__ import annotations

import json
from typing import Any

from icdkit.kb import KnowledgeBase
from icdkit.rules.codeset import check_codes
from icdkit.rules.emit import FindingSink
from icdkit.rules.encounters import Rules, encounter
from icdkit.rules.excludes import check_excludes
from icdkit.rules.findings import Report
from icdkit.rules.info import check_info
from icdkit.rules.mce import check_mce
from icdkit.rules.sequencing import check_sequencing

_rules: dict[int, tuple[KnowledgeBase, Rules]] = {}


def oracle(kb: KnowledgeBase, codes: Any, **patient: Any) -> Report:
    """What the rules say of one encounter, one rule family after another."""
    got = _rules.get(id(kb))
    if got is None or got[0] is not kb:
        got = _rules[id(kb)] = (kb, Rules(kb))
    rules = got[1]
    enc = encounter(codes, **patient)
    ctx = rules.prepare(enc)
    sink = FindingSink()
    for family in (check_codes, check_excludes, check_sequencing, check_mce, check_info):
        family(ctx, rules.cache, sink)
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
