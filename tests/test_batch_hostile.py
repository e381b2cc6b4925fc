"""No row is ever lost: every non-blank input line of every file shape gets one output line.

Each file holds good rows before and after the awkward one; the good rows must come out
checked (their findings as `check()` gives them), the bad one flagged `invalid-input`, and
rows in = rows out, through the library and through the real command (file and stdin).
"""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from icdkit.kb import KnowledgeBase
from icdkit.rules import rows
from icdkit.rules.batch import run_batch
from icdkit.rules.check import Checker

GOOD_A = b'{"id": "a", "codes": ["M54.2", "M50.20"]}'
GOOD_B = b'{"id": "b", "codes": ["E11.9"]}'

#: name -> (file bytes, the ids expected in order: a good row's id, or None for a flagged row)
SHAPES: dict[str, tuple[bytes, list[str | None]]] = {
    "jsonl with BOM": (b"\xef\xbb\xbf" + GOOD_A + b"\n" + GOOD_B + b"\n", ["a", "b"]),
    "jsonl CR only": (GOOD_A + b"\r" + GOOD_B + b"\r", ["a", "b"]),
    "jsonl mixed line ends": (GOOD_A + b"\r\n" + GOOD_B + b"\r" + GOOD_A + b"\n", ["a", "b", "a"]),
    "jsonl first line not JSON": (b"hello world\n" + GOOD_A + b"\n" + GOOD_B + b"\n", [None, "a", "b"]),
    "jsonl Latin-1 id": (GOOD_A + b'\n{"id": "caf\xe9", "codes": ["I10"]}\n' + GOOD_B + b"\n",
                         ["a", "caf\ufffd", "b"]),
    "jsonl lone surrogate id": (GOOD_A + b'\n{"id": "x\\ud800", "codes": ["I10"]}\n' + GOOD_B,
                                ["a", "x\ud800", "b"]),
    "jsonl NUL inside": (GOOD_A + b'\n{"id": "z", "co\0des": []}\n' + GOOD_B + b"\n", ["a", None, "b"]),
    "jsonl deep nesting": (GOOD_A + b"\n" + b"[" * 100_000 + b"\n" + GOOD_B + b"\n", ["a", None, "b"]),
    "csv with BOM": (b"\xef\xbb\xbfid,codes\n1,I10\n2,M54.2 M50.20\n", ["1", "2"]),
    "csv CR only": (b"id,codes\r1,I10\r2,E11.9\r", ["1", "2"]),
    "csv unterminated quote": (b'id,codes\n1,I10\n2,"E11.9\n3,M54.2\n', ["1", None, "3"]),
    "csv field over 128 KB": (b"id,codes\n1,I10\n2," + b"I10 " * 40_000 + b"\n3,E11.9\n", ["1", None, "3"]),
    "csv NUL": (b"id,codes\n1,I10\n2,E1\x001.9\n3,E11.9\n", ["1", "2", "3"]),  # an invalid code
    "csv without codes column": (b"id,diagnoses\n1,I10\n2,E11.9\n", [None, None]),
    "csv too many fields": (b"id,codes\n1,I10\n2,I10,3,F,x,y,z,w\n3,E11.9\n", ["1", None, "3"]),
    "csv empty fields": (b"id,codes\n1,I10\n,,\n3,E11.9\n", ["1", None, "3"]),
}


def _ids(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines()]


@pytest.mark.parametrize("name", sorted(SHAPES))
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_every_line_gets_a_result(kb: KnowledgeBase, name: str, fmt: str) -> None:
    data, expected = SHAPES[name]
    checker = Checker(kb)
    out = io.StringIO()
    summary = run_batch(checker, io.BytesIO(data), out, fmt)
    assert summary.rows_in == summary.rows_out == len(expected), name
    assert summary.invalid == expected.count(None)
    if fmt == "csv":
        return
    results = _ids(out.getvalue())
    for want, got in zip(expected, results, strict=True):
        rules = [f["rule"] for f in got["findings"]]  # type: ignore[attr-defined]
        if want is None:
            assert rules == ["invalid-input"], (name, got)
            continue
        assert got["id"] == want and "invalid-input" not in rules
    good = [r for r, want in zip(results, expected, strict=True) if want is not None]
    for r in good:  # the good rows' findings are check()'s, as if the file were clean
        codes = {"a": ["M54.2", "M50.20"], "b": ["E11.9"]}.get(str(r["id"]))
        if codes:
            report = checker.check(codes).to_dict()
            assert r["findings"] == report["findings"] and r["ok"] == report["ok"]


def test_a_line_longer_than_the_limit_is_answered_not_held(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rows, "MAX_LINE", 1000)
    data = GOOD_A + b"\n" + b'{"id": "' + b"x" * 5000 + b'"}\n' + GOOD_B + b"\n"
    got = list(rows.read_rows(io.BytesIO(data)))
    assert [n for n, _ in got] == [1, 2, 3]
    assert got[1][1] == "line longer than 1,000 bytes"
    assert isinstance(got[2][1], dict) and got[2][1]["id"] == "b"


def test_line_ends_split_across_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """A \\r\\n cut between two reads is one line end; a BOM cut between reads is still dropped."""
    monkeypatch.setattr(rows, "BLOCK", 1)
    data = b"\xef\xbb\xbf" + GOOD_A + b"\r\n\r\n" + GOOD_B + b"\r"
    assert [(n, r) for n, r in rows.read_rows(io.BytesIO(data))] == [
        (1, {"id": "a", "codes": ["M54.2", "M50.20"]}), (3, {"id": "b", "codes": ["E11.9"]})]


def test_row_numbers_are_line_numbers() -> None:
    data = b"\n\n" + GOOD_A + b"\n\nnot json\n"
    assert [n for n, _ in rows.read_rows(io.BytesIO(data))] == [3, 5]


def test_random_bytes_never_lose_a_line(kb: KnowledgeBase) -> None:
    """Fuzz: random byte soup with good rows between; every non-blank line is answered."""
    rng = random.Random(20261202)
    checker = Checker(kb)
    for _ in range(40):
        parts = []
        for _ in range(rng.randint(1, 12)):
            soup = bytes(rng.randrange(256) for _ in range(rng.randint(0, 80)))
            parts.append(GOOD_A if rng.random() < 0.4 else soup)
        data = b"\n".join(parts)
        lines = [ln for ln in rows.physical_lines(io.BytesIO(data)) if not rows.blank(ln)]
        for fmt in ("jsonl", "csv"):
            out = io.StringIO()
            s = run_batch(checker, io.BytesIO(data), out, fmt)
            assert s.rows_in == s.rows_out, data
            if fmt == "jsonl":
                assert len(out.getvalue().splitlines()) == s.rows_out
                assert len(lines) - 1 <= s.rows_in <= len(lines)  # at most a CSV header is not a row


def _icdkit(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "icdkit.cli", *args], input=stdin, capture_output=True,
                          env=dict(os.environ), timeout=300, check=False)


def test_the_command_reads_stdin_and_files_alike(tmp_path: Path) -> None:
    data, expected = SHAPES["jsonl mixed line ends"]
    path = tmp_path / "in.jsonl"
    path.write_bytes(data)
    from_file = _icdkit("check", "--batch", str(path))
    from_pipe = _icdkit("check", "--batch", "-", stdin=data)
    assert from_file.returncode == from_pipe.returncode == 1  # a's Excludes1 is an error
    assert from_file.stdout == from_pipe.stdout
    assert len(from_pipe.stdout.splitlines()) == len(expected)
    assert b"rows in 3, rows out 3" in from_pipe.stderr and b"Traceback" not in from_pipe.stderr


@pytest.mark.parametrize("name", ["csv unterminated quote", "jsonl first line not JSON",
                                  "csv field over 128 KB", "jsonl lone surrogate id"])
def test_the_command_never_tracebacks(tmp_path: Path, name: str) -> None:
    data, expected = SHAPES[name]
    path = tmp_path / "in.txt"
    path.write_bytes(data)
    r = _icdkit("check", "--batch", str(path), "--format", "csv")
    assert b"Traceback" not in r.stderr and r.returncode in (0, 1)
    n = len(expected)
    assert f"rows in {n}, rows out {n}".encode() in r.stderr
