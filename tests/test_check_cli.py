"""`icdkit check` as users run it: exit codes, JSON, and batch files with broken rows."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path


def icdkit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "icdkit.cli", *args], capture_output=True, text=True,
                          env=dict(os.environ), timeout=300)


def test_exit_codes_and_json() -> None:
    clean = icdkit("check", "M54.03", "--json")
    assert clean.returncode == 0 and json.loads(clean.stdout)["ok"] is True
    bad = icdkit("check", "M54.2", "M50.20", "--json")
    d = json.loads(bad.stdout)
    assert bad.returncode == 1 and d["ok"] is False
    f = next(f for f in d["findings"] if f["rule"] == "excludes1")
    assert set(f) >= {"rule", "severity", "codes", "message", "source"} and f["codes"] == ["M54.2", "M50.20"]
    wrong = icdkit("check", "M54.03", "--age", "abc")
    assert wrong.returncode == 2 and "malformed age" in wrong.stderr and wrong.stdout == ""
    none = icdkit("check")
    assert none.returncode == 2 and "give the encounter's codes" in none.stderr


def test_human_report() -> None:
    r = icdkit("check", "O80", "--age", "70", "--date", "2026-01-05")
    assert r.returncode == 1 and "NOT OK" in r.stdout and "maternity diagnosis" in r.stdout


def _broken_csv(tmp: Path) -> Path:
    p = tmp / "claims.csv"
    p.write_text("id,codes,age,sex,date,setting\n"
                 "c1,M54.2 M50.20,40,F,2026-01-05,outpatient\n"
                 'c2,"S13.4XXA;M54.2",,,,\n'
                 "c3,M54.03,abc,F,,\n"
                 "c4,,,,,\n"
                 "c5,A,B,C,D,E,F,G\n"
                 "\n"
                 "c6,M54.03,30,M,2026-13-01,inpatient\n"
                 "c7,M54.03,,,,\n")
    return p


def test_batch_survives_broken_rows(tmp_path: Path) -> None:
    r = icdkit("check", "--batch", str(_broken_csv(tmp_path)))
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["id"] for row in rows] == ["c1", "c2", "c3", "c4", "row 6", "c6", "c7"]
    by_id = {row["id"]: row for row in rows}
    assert by_id["c1"]["ok"] is False and by_id["c7"]["ok"] is True and by_id["c2"]["ok"] is True
    for bad in ("c3", "c4", "row 6", "c6"):
        (f,) = by_id[bad]["findings"]
        assert f["rule"] == "invalid-input" and f["severity"] == "error"
    assert "rows in 7, rows out 7, unreadable 4" in r.stderr
    assert r.returncode == 1


def test_batch_jsonl_to_csv_file(tmp_path: Path) -> None:
    src = tmp_path / "claims.jsonl"
    src.write_text('{"id": "a", "codes": ["M54.2", "M50.20"], "age": 40}\n'
                   "not json\n"
                   '{"id": "b", "codes": "M54.03"}\n')
    out = tmp_path / "out.csv"
    r = icdkit("check", "--batch", str(src), "--format", "csv", "--output", str(out))
    assert r.stdout == "" and "rows in 3, rows out 3, unreadable 1" in r.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert {row["id"] for row in rows} == {"a", "row 2", "b"}
    assert any(row["id"] == "a" and row["rule"] == "excludes1" for row in rows)
    assert [row["ok"] for row in rows if row["id"] == "b"] == ["True"]


def test_batch_on_two_worker_processes(tmp_path: Path) -> None:
    src = _broken_csv(tmp_path)
    one = icdkit("check", "--batch", str(src))
    two = icdkit("check", "--batch", str(src), "--jobs", "2")
    assert two.stdout == one.stdout and two.returncode == one.returncode == 1
    assert "rows in 7, rows out 7, unreadable 4" in two.stderr
    zero = icdkit("check", "--batch", str(src), "--jobs", "0")
    assert zero.returncode == 2 and zero.stdout == ""
    assert "jobs must be between 1 and 64, not 0" in zero.stderr


def test_batch_missing_file() -> None:
    r = icdkit("check", "--batch", "/nonexistent/claims.csv")
    assert r.returncode == 2 and "batch file not found" in r.stderr
