"""``check()`` is the evaluator on one encounter (rules/check.py): the same findings, in the
same order, as the batch's line of the encounter, on random encounters of every kind of code
(billable, headers, deleted, malformed, missing a 7th character, listed twice, as users type
them) and patient; the same Report objects and JSON; input errors raised as before; and one
evaluator (its rule tables loaded once) shared by every Checker of a knowledge base."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from tests.test_batch_equivalence import check_line
from tests.test_evaluator_equivalence import _encounters, _pools

from icdkit import KnowledgeBase
from icdkit.errors import InvalidInput
from icdkit.rules.batch import run_batch
from icdkit.rules.check import Checker, check
from icdkit.rules.findings import Finding
from icdkit.rules.results import CSV_COLUMNS, _csv_finding


def test_check_of_each_encounter_is_its_batch_line(kb: KnowledgeBase, kb25: KnowledgeBase) -> None:
    """Random encounters of every kind: ``check()`` of each alone (a chunk of one) says what
    the batch says of it among the others, and its Report's JSON is that line's findings."""
    rows = _encounters(_pools(kb, kb25), 2000, seed=19)
    out = io.StringIO()
    run_batch(Checker(kb), io.BytesIO("".join(json.dumps(r) + "\n" for r in rows).encode()), out)
    rules: set[str] = set()
    for row, line in zip(rows, out.getvalue().splitlines(), strict=True):
        assert line == check_line(kb, row), row
        rules |= {f["rule"] for f in json.loads(line)["findings"]}
    assert {"invalid-code", "non-billable", "seventh-character", "not-in-release", "duplicate",
            "excludes1", "age", "sex", "hcc", "cc-mcc"} <= rules, rules


@pytest.mark.parametrize(("bad", "problem"), [
    ({"codes": []}, "no codes"), ({"codes": ["I10"], "age": "old"}, "malformed age"),
    ({"codes": ["I10"], "date": "2031-01-01"}, "beyond the validity table"),
    ({"codes": ["I10"], "setting": "home"}, "malformed setting")])
def test_check_raises_what_the_input_is_wrong_with(kb: KnowledgeBase, bad: dict[str, object], problem: str
                                                   ) -> None:
    with pytest.raises(InvalidInput, match=problem):
        check(kb=kb, **bad)  # type: ignore[arg-type]


def test_checkers_of_one_knowledge_base_share_one_evaluator(kb: KnowledgeBase) -> None:
    assert Checker(kb).evaluator is Checker(kb).evaluator
    assert Checker(kb).cache is Checker(kb).cache


def test_csv_batch_writes_the_json_lines_findings(kb: KnowledgeBase, kb25: KnowledgeBase) -> None:
    """A CSV result is the evaluator's findings read back (rules/results.py): cell for cell
    what the findings of the JSON Lines result give, on rows of every kind, invalid ones included."""
    rows = _encounters(_pools(kb, kb25), 400, seed=23)
    data = "".join(json.dumps(r) + "\n" for r in rows).encode()
    data += b'{"id": "bad", "codes": ["I10"], "age": -4}\n'
    out = io.StringIO()
    summary = run_batch(Checker(kb), io.BytesIO(data), out, "csv")
    want = io.StringIO()
    writer = csv.writer(want)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        line = json.loads(check_line(kb, row))
        for f in [Finding.from_dict(f) for f in line["findings"]] or [None]:
            writer.writerow([row["id"], line["ok"], *(_csv_finding(f) if f else ("",) * 5)])
    writer.writerow(["bad", False, "invalid-input", "error", "", "bad: age -4 is out of range 0-124",
                     f"input: batch row {len(rows) + 1}"])
    assert out.getvalue() == want.getvalue()
    assert (summary.rows_in, summary.rows_out, summary.invalid) == (len(rows) + 1, len(rows) + 1, 1)


def test_a_code_holding_a_nul_is_shown_as_given(kb: KnowledgeBase) -> None:
    """A NUL in a code (a hostile CSV) is the placeholder character of a finding's template:
    the batch once cut it out of the code it showed ("E1\\x001.9" shown as the valid E11.9);
    the evaluator shows the code as given, as check() always did."""
    out = io.StringIO()
    run_batch(Checker(kb), io.BytesIO(b"id,codes\n2,E1\x001.9\n"), out)
    got = json.loads(out.getvalue())
    assert got["findings"][0]["codes"] == ["E1\x001.9"]
    assert out.getvalue() == check_line(kb, {"id": "2", "codes": "E1\x001.9"}) + "\n"


def test_no_path_of_icdkit_runs_the_rules_one_row_at_a_time() -> None:
    """One evaluator: no source of icdkit hands a row back to per-row rules (no UNSUPPORTED
    group, no ``check_*`` family run, no sinks collecting one row's findings; the per-row
    oracle that ran them is deleted), and ``Columnar.lines`` answers every row with a line."""
    import inspect
    from pathlib import Path

    from icdkit.rules.columnar import Columnar, Run

    src = Path(__file__).resolve().parents[1] / "src" / "icdkit"
    per_row = re.compile(r"UNSUPPORTED|def check_(codes|excludes|sequencing|mce|info)\b|FindingSink|JsonSink"
                         r"|\.apply\(ctx|def near\(")
    found = [f"{p.relative_to(src)}: {m.group()}" for p in src.rglob("*.py")
             for m in per_row.finditer(p.read_text(encoding="utf-8"))]
    assert found == []
    assert inspect.signature(Columnar.lines).return_annotation == "list[Run]" and Run
