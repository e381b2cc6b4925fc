"""The batch fast path (shared caches, finding templates, pre-rendered JSON) says exactly what a
fresh ``check()`` of each encounter says, byte for byte."""

from __future__ import annotations

import csv
import gc
import io
import json
import random

import pytest

from icdkit import KnowledgeBase
from icdkit.errors import InvalidInput
from icdkit.rules import parallel, results, rows
from icdkit.rules.batch import run_batch
from icdkit.rules.check import Checker

JUNK = ["XYZ", "M54.5", "S13.4A", "S06.1X7D", "E11", "123", "M54.2", "m5403", "e11.40", "G63", "O80"]
DATES = ["2023-01-05", "2024-09-30", "2024-10-01", "2025-10-01", "2026-05-01", None]


def _encounters(kb: KnowledgeBase, n: int) -> list[dict[str, object]]:
    rnd = random.Random(3)
    billable = [c.code for c in kb.iter_codes(billable_only=True)]
    every = [c.code for c in kb.iter_codes()]
    rows: list[dict[str, object]] = []
    for i in range(n):
        codes = rnd.sample(billable if rnd.random() < 0.7 else every, rnd.randint(1, 10))
        codes += rnd.sample(JUNK, rnd.randint(0, 2))
        rnd.shuffle(codes)
        if rnd.random() < 0.2:  # a code twice, and codes spelled as users type them
            codes.append(codes[0])
            codes = [c.lower().replace(".", "") if rnd.random() < 0.3 else c for c in codes]
        row: dict[str, object] = {"id": f"e{i}", "codes": codes, "age": rnd.randint(0, 100),
                                  "sex": rnd.choice("FM"), "setting": rnd.choice(("inpatient", "outpatient"))}
        date = rnd.choice(DATES)
        if date:
            row["date"] = date
        rows.append({k: v for k, v in row.items() if rnd.random() < 0.9 or k in ("id", "codes")})
    return rows


def check_line(kb: KnowledgeBase, row: dict[str, object]) -> str:
    """A row's JSON Lines result as ``check()`` of its encounter alone gives it (the evaluator
    on a chunk of one), rendered by ``json.dumps``."""
    report = Checker(kb).check(row["codes"], age=row.get("age"), sex=row.get("sex"),  # type: ignore[arg-type]
                               date=row.get("date"), setting=row.get("setting"))  # type: ignore[arg-type]
    body = ", ".join(json.dumps(f.to_dict()) for f in report.findings)
    ok = "true" if report.ok else "false"
    return f'{{"id": {json.dumps(row["id"])}, "ok": {ok}, "findings": [{body}]}}'


def test_run_batch_matches_check_of_each_row(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(results, "CHUNK", 37)  # many chunks, screened together, rows of all sizes across
    rows = _encounters(kb, 400)
    out = io.StringIO()
    data = "".join(json.dumps(r) + "\n" for r in rows).encode()
    collecting, frozen = gc.isenabled(), gc.get_freeze_count()
    summary = run_batch(Checker(kb), io.BytesIO(data), out)
    assert (gc.isenabled(), gc.get_freeze_count()) == (collecting, frozen)  # a library call leaves gc alone
    lines = out.getvalue().splitlines()
    assert summary.rows_in == summary.rows_out == len(lines) == len(rows)
    for row, line in zip(rows, lines, strict=True):
        assert line == check_line(kb, row), row
        assert line.isascii()  # non-ASCII text (“ ” — in notes and messages) is escaped


def test_checker_reused_gives_the_same_reports(kb: KnowledgeBase) -> None:
    shared = Checker(kb)
    for row in _encounters(kb, 150):
        args = dict(codes=row["codes"], age=row.get("age"), sex=row.get("sex"), date=row.get("date"),
                    setting=row.get("setting"))
        assert shared.check(**args) == Checker(kb).check(**args), row  # type: ignore[arg-type]


def test_unreadable_rows_and_csv_agree_with_check(kb: KnowledgeBase) -> None:
    rows = _encounters(kb, 60)
    lines = [json.dumps(r) for r in rows]
    lines[5] = "not json"
    lines[9] = json.dumps({"id": "bad", "codes": ["E11.9"], "age": "old"})
    lines[12] = json.dumps({"id": "late", "codes": ["E11.9"], "date": "2099-01-01"})
    out, table = io.StringIO(), io.StringIO()
    data = ("\n".join(lines) + "\n").encode()
    summary = run_batch(Checker(kb), io.BytesIO(data), out)
    run_batch(Checker(kb), io.BytesIO(data), table, "csv")
    assert summary.invalid == 3 and summary.rows_out == len(rows)
    got = out.getvalue().splitlines()
    assert json.loads(got[5])["findings"][0]["message"].startswith("row 6: not valid JSON")
    assert json.loads(got[9])["findings"][0]["message"] == ("bad: malformed age 'old': expected whole "
                                                            "years, e.g. 42")
    assert json.loads(got[12])["findings"][0]["rule"] == "invalid-input"
    csv_rows = list(csv.reader(io.StringIO(table.getvalue())))[1:]
    for n, line in enumerate(got):
        result = json.loads(line)
        mine = [r for r in csv_rows if r[0] == result["id"]]
        assert [r[2] for r in mine if r[2]] == [f["rule"] for f in result["findings"]], n
        assert {r[1] for r in mine} == {str(result["ok"])}, n


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_parallel_batch_writes_what_one_process_writes(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch,
                                                       fmt: str) -> None:
    """Worker processes (real ones, spawned) check blocks of rows; the output is the serial
    output byte for byte, in input order, unreadable rows included, and the counts add up."""
    monkeypatch.setattr(parallel, "BLOCK", 23)  # many blocks, more than the window holds
    lines = [json.dumps(r) for r in _encounters(kb, 300)]
    lines[7] = "not json"
    lines[100] = json.dumps({"id": "bad", "codes": ["E11.9"], "age": "old"})
    data = ("\n".join(lines) + "\n\n").encode()
    serial, split = io.StringIO(), io.StringIO()
    one = run_batch(Checker(kb), io.BytesIO(data), serial, fmt)
    two = run_batch(Checker(kb), io.BytesIO(data), split, fmt, jobs=2)
    assert split.getvalue() == serial.getvalue()
    assert one == two and two.rows_in == two.rows_out == 300 and two.invalid == 2


def test_jobs_out_of_range_is_refused(kb: KnowledgeBase) -> None:
    out = io.StringIO()
    with pytest.raises(InvalidInput, match="jobs must be between 1 and 64, not 0"):
        run_batch(Checker(kb), io.BytesIO(b'{"id": "a", "codes": ["M54.2"]}\n'), out, jobs=0)
    assert out.getvalue() == ""


#: lines in the simple form the native reader takes (line.c), and in every form next to it that
#: it must hand to Python's json: escapes, floats, booleans, nesting, a key twice, odd spaces,
#: codes as text, ids and ages of other types, bytes beyond ASCII, broken JSON
AWKWARD = [
    '{"id": "s1", "codes": ["M54.2", "M50.20"], "age": 40, "sex": "F", "date": "2025-10-03", '
    '"setting": "inpatient"}',
    '{"codes":["M54.2","m5403"],"id":"s2","age":-0,"sex":null,"date":null,"setting":null}',
    '  {"id": "s3", "codes": ["E11.9"], "extra": ["a", "b"], "more": 7, "none": null, "x": "y"}  \t',
    '{"id": "s4", "codes": ["E11.9"], "age": 40.0}',
    '{"id": "s5", "codes": ["E11.9"], "age": 4e1}',
    '{"id": "s6", "codes": ["E11.9"], "age": "40"}',
    '{"id": "s7", "codes": ["E11.9"], "age": 0400}',
    '{"id": "s8", "codes": ["E11.9"], "age": 1234567890123456789}',
    '{"id": "s9", "codes": ["E11.9"], "ok": true, "nested": {"a": 1}}',
    '{"id": "s10", "codes": ["E11.9"], "id": "s10-again"}',
    '{"id": "s11", "codes": ["E11.9"], "codes": ["M54.2", "M50.20"]}',
    '{"id": "s\\u00e9\\"12", "codes": ["E11.9"]}',
    '{"id": "s13", "codes": ["E11\\u002e9", "M54.2"]}',
    '{"id": "s14", "codes": "E11.9, M54.2"}',
    '{"id": "s15", "codes": []}',
    '{"id": "", "codes": ["E11.9"]}',
    '{"id": 16, "codes": ["E11.9"]}',
    '{"codes": ["E11.9"]}',
    '{"id": "s19", "Codes": ["E11.9"]}',
    '{"id": "s20", "codes": ["E11.9", 5]}',
    '{"id": "s21", "codes": ["E11.9"], "sex": 1, "setting": ["inpatient"]}',
    '{"id": "s22", "codes": ["E11.9"], "sex": "f", "setting": " Inpatient "}',
    '{"id": "s23", "codes": ["E11.9"], "date": "2025-13-01"}',
    '{"id": "s24", "codes": ["E11.9", "NOT-A-CODE-AT-ALL", "e119"]}',
    '{"id": "s25", "codes": ["E11.9"]} trailing',
    '{"id": "s26", "codes": ["E11.9"]}\x0c',
    '\x1c',
    '[1, 2]',
    '{"id": "s29", "codes": ["E11.9"]',
    '{"id": "s30", "codes": ["E11.9"],}',
    '{"id": "s31", "codes": ["E11.9"] "age": 3}',
    '{"id": "sé32", "codes": ["E11.9"]}',
    '{"id": "s33", "codes": ["E11.9"], "age": null, "age2": -5}',
    '{ "id" : "s34" , "codes" : [ "E11.9" , "M54.2" ] , "age" : 70 }',
    '{"id": "s35", "codes": ["E11.9"], "age": 125}',
    '',
    '{"id": "s37", "codes": ["Z3A.00", "O80"], "age": 30, "sex": "M"}',
]


def test_native_line_reading_agrees_with_json(kb: KnowledgeBase) -> None:
    """Every line means to the native reader what json.loads makes of it: the batch's output,
    reading lines natively (as ``run_batch`` does), is the output of rows read by json."""
    data = "\n".join(AWKWARD).encode() + b"\n"
    got, expected = io.StringIO(), io.StringIO()
    checker = Checker(kb)
    s1, s2 = results.Summary(), results.Summary()
    results.check_rows(checker, rows.read_rows(io.BytesIO(data), raw=True), got, "jsonl", s1)
    results.check_rows(Checker(kb), rows.read_rows(io.BytesIO(data)), expected, "jsonl", s2)
    assert got.getvalue() == expected.getvalue()
    assert s1 == s2 and s1.rows_in == len(AWKWARD) - 2  # two blank lines (one only to str.strip)
    lines = [json.loads(line) for line in got.getvalue().splitlines()]
    assert [line["id"] for line in lines[:3]] == ["s1", "s2", "s3"]
    assert sum(any(f["rule"] == "invalid-input" for f in line["findings"]) for line in lines) >= 8


@pytest.mark.parametrize("raw", [False, True])
def test_a_line_blank_only_to_str_strip_does_not_decide_the_format(raw: bool) -> None:
    data = b'\x1c\n{"id": "a", "codes": ["E11.9"]}\n'
    [(_, row)] = list(rows.read_rows(io.BytesIO(data), raw=raw))  # JSON Lines, not a CSV header
    assert rows.readable(row) == {"id": "a", "codes": ["E11.9"]}
