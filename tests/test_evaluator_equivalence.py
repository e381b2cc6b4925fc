"""The columnar evaluator (rules/columnar.py over the rule tables compiled into the store) writes
the same bytes with the C kernels and with the pure numpy ones, on 100,000 seeded random
encounters of every kind of code a claim may carry: billable codes, headers (categories,
subcategories), malformed text, codes deleted before the release, codes with a 7th character
(some missing it), codes spelled as users type them, codes listed twice; random age, sex, date
of service (2015-10-01 to 2027-03-31, half in the release's year, or none) and setting.

The rows go through ``run_batch`` with the native kernels and with the pure kernels
(kernels.py), in blocks, so memory stays small; every row gets its line (none lost). Until the
switch, a per-row oracle (the rules run one at a time) was held to the same bytes here, on
these 100,000 encounters; what each rule finds is held by its behaviour test (test_rules.py).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random

import pytest
from tests.test_kernels import use_kernels

from icdkit import KnowledgeBase
from icdkit.rules.batch import run_batch
from icdkit.rules.check import Checker
from icdkit.rules.columnar import Columnar, Run

ROWS = 100_000
BLOCK = 10_000
MALFORMED = ["XYZ", "123", "M54.", "M5", "Q", "S72.001AA", "E11..9", "ZZZ.99", "A00-B99", "i10x"]
FIRST_DAY, LAST_DAY = dt.date(2015, 10, 1).toordinal(), dt.date(2027, 3, 31).toordinal()
#: the release's year, from its April update (the codes it added are valid from 2026-04-01)
YEAR_FIRST, YEAR_LAST = dt.date(2026, 4, 1).toordinal(), dt.date(2026, 9, 30).toordinal()


def _pools(kb: KnowledgeBase, kb25: KnowledgeBase) -> dict[str, list[str]]:
    billable = [c.code for c in kb.iter_codes(billable_only=True)]
    headers = [c.code for c in kb.iter_codes() if not c.billable and c.kind in ("category", "subcategory")]
    seventh = [c for c in billable if len(c.replace(".", "")) == 7 and c[-1].isalpha()]
    in_26 = set(billable)
    deleted = [*sorted({c.code for c in kb25.iter_codes(billable_only=True)} - in_26), "M54.5", "E11.40"]
    assert len(headers) > 1000 and len(seventh) > 10_000 and len(deleted) > 20
    return {"billable": billable, "header": headers, "seventh": seventh, "deleted": deleted,
            "missing-7th": [c[:-1] for c in seventh[:5000]], "malformed": MALFORMED}


def _encounters(pools: dict[str, list[str]], n: int, seed: int) -> list[dict[str, object]]:
    """Rows of 1-12 valid codes (a fifth with a 7th character), a third with one odd code
    (header, deleted, missing its 7th character, malformed); half on a date in the release's
    year, the others on any date or none."""
    rnd = random.Random(seed)
    odd = ["header", "deleted", "missing-7th", "malformed"]
    rows: list[dict[str, object]] = []
    for i in range(n):
        codes = [rnd.choice(pools["seventh" if rnd.random() < 0.2 else "billable"])
                 for _ in range(rnd.randint(1, 12))]
        if rnd.random() < 0.3:
            codes.insert(rnd.randint(0, len(codes)), rnd.choice(pools[rnd.choice(odd)]))
        if rnd.random() < 0.05:
            codes.append(codes[0])  # listed twice
        if rnd.random() < 0.1:
            codes = [c.lower().replace(".", "") if rnd.random() < 0.5 else c for c in codes]
        row: dict[str, object] = {"id": f"r{i}", "codes": codes}
        if rnd.random() < 0.8:
            row["age"] = rnd.randint(0, 124)
        if rnd.random() < 0.8:
            row["sex"] = rnd.choice("FM")
        if rnd.random() < 0.5:
            row["date"] = dt.date.fromordinal(rnd.randint(YEAR_FIRST, YEAR_LAST)).isoformat()
        elif rnd.random() < 0.9:
            row["date"] = dt.date.fromordinal(rnd.randint(FIRST_DAY, LAST_DAY)).isoformat()
        if rnd.random() < 0.8:
            row["setting"] = rnd.choice(("inpatient", "outpatient"))
        rows.append(row)
    return rows


@pytest.mark.slow
def test_native_and_pure_kernels_write_the_same_bytes_on_100k_random_encounters(
        kb: KnowledgeBase, kb25: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("icdkit.rules._native", reason="the optional C accelerator was not built")
    pools = _pools(kb, kb25)
    evaluator, evaluator_pure = Checker(kb, shared=False), Checker(kb, shared=False)
    said: set[str] = set()
    for block in range(ROWS // BLOCK):
        rows = _encounters(pools, BLOCK, seed=block)
        data = "".join(json.dumps(r) + "\n" for r in rows).encode()
        fast, fast_pure = io.StringIO(), io.StringIO()
        use_kernels(monkeypatch, "native")
        s1 = run_batch(evaluator, io.BytesIO(data), fast)
        use_kernels(monkeypatch, "pure")
        s0 = run_batch(evaluator_pure, io.BytesIO(data), fast_pure)
        lines = fast.getvalue().splitlines()
        assert s1 == s0 and s1.rows_in == s1.rows_out == len(lines) == BLOCK and s1.invalid == 0
        assert s1.with_errors == sum('"ok": false' in line for line in lines)
        assert fast.getvalue() == fast_pure.getvalue()
        assert [json.loads(line)["id"] for line in lines] == [row["id"] for row in rows]
        if block == 0:
            said = {f["rule"] for line in lines for f in json.loads(line)["findings"]}
    # the encounters met the rules a claim of this kind meets
    assert {"invalid-code", "non-billable", "seventh-character", "not-in-release", "duplicate",
            "excludes1", "age", "sex", "sex-not-checked", "hcc", "cc-mcc"} <= said, said
    # and the evaluator takes every row itself, whatever its codes (none handed back to the rules)
    done = Columnar(evaluator).lines(list(enumerate(_encounters(pools, 5000, seed=99), 1)))
    assert all(isinstance(r, Run) for r in done) and sum(r.rows for r in done if isinstance(r, Run)) == 5000
