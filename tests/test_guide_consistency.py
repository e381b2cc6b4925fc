"""The guide agrees with the validator and the valid-code set, and covers every code.

* every FAQ answer about reporting two codes together agrees with ``check()`` on those codes;
* every "not billable" statement agrees with the valid-code set on that date;
* every code and header of FY2025 and FY2026 yields a guide; sources resolve; nothing repeats;
  at most MAX_CODES distinct codes per guide.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random

import pytest

from icdkit.guide import guide
from icdkit.guide.audit import audit_part
from icdkit.rules.check import Checker


def _sample(kb, n: int, seed: int) -> list[str]:  # type: ignore[no-untyped-def]
    keys = list(kb.code_keys())
    return random.Random(seed).sample(keys, n)


def test_pair_answers_agree_with_check(kb) -> None:  # type: ignore[no-untyped-def]
    checker = Checker(kb)
    asked = 0
    for k in ["M5403", "M542", *_sample(kb, 1500, 7)]:
        g = guide(kb, k)
        for q in g.faq:
            if not q.question.startswith("Can I report"):
                continue
            a, b = q.codes
            rules = {f.rule for f in checker.check([a, b]).findings}
            assert q.answer.startswith("No") == ("excludes1" in rules), (q.question, rules)
            asked += 1
    assert asked > 200


def test_billable_statements_agree_with_valid_set(kb) -> None:  # type: ignore[no-untyped-def]
    for day in (None, "2019-06-01"):
        for k in _sample(kb, 1500, 11):
            g = guide(kb, k, on=day)
            on = day or kb.effective
            assert g.facts["billable"] == kb.is_valid(k, on=on)
            for q in g.faq:
                if q.question.endswith("billable on its own?"):
                    code = q.question.split()[1]
                    assert q.answer.startswith("Yes") == kb.is_valid(code, on=on), q
            for s in g.pitfalls:
                if "not in the valid-code set" in s.text:
                    named = s.codes[0] if s.text.startswith("Reporting the parent") else k
                    assert not kb.is_valid(named, on=on)


@pytest.mark.slow
def test_every_code_and_header_has_a_guide(kb, kb25) -> None:  # type: ignore[no-untyped-def]
    """Both releases, whole, over worker processes (one per core): every guide is made, cites
    sources it lists, repeats nothing and names at most MAX_CODES codes."""
    parts = max(2, os.cpu_count() or 2)
    jobs = [(str(k.path), i, parts) for k in (kb, kb25) for i in range(parts)]
    with mp.get_context("spawn").Pool(parts) as pool:
        results = pool.starmap(audit_part, jobs)
    total = sum(n for n, _ in results)
    found = [p for _, ps in results for p in ps]
    expected = sum(k.connection().execute("SELECT count(*) FROM nodes").fetchone()[0] for k in (kb, kb25))
    assert total == expected and total > 190_000
    assert found == [], found[:20]
