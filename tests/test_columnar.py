"""The columnar batch checker (rules/columnar.py) and its saved tables (rules/tables.py): the
same lines as ``check()`` of each row, with nearly every row of a realistic batch taking the
columnar way and each of its per-record paths met; tables compiled, saved, loaded, or made
code by code when they cannot be saved."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

pytest.importorskip("icdkit.rules._native", reason="the optional C accelerator was not built")

from icdkit import KnowledgeBase
from icdkit.rules import tables as tables_module
from icdkit.rules.check import Checker
from icdkit.rules.columnar import Columnar, Run
from icdkit.rules.tables import Tables


def _rows(kb: KnowledgeBase, n: int, seed: int) -> list[dict[str, object]]:
    """Encounters as the benchmark makes them (2-12 billable codes, patient and setting), over
    dates in three fiscal years (the MCE sex edits end on 2024-09-30; HCC payment years vary)."""
    rnd = random.Random(seed)
    billable = [c.code for c in kb.iter_codes(billable_only=True)]
    dates = ["2024-03-02", "2024-09-30", "2025-10-01", "2025-12-14", "2026-05-01"]
    return [{"id": f"c{i}", "codes": rnd.sample(billable, rnd.randint(2, 12)), "age": rnd.randint(0, 99),
             "sex": rnd.choice("FM"), "date": rnd.choice(dates),
             "setting": rnd.choice(("inpatient", "outpatient", None))} for i in range(n)]


def _expected(kb: KnowledgeBase, row: dict[str, object]) -> str:
    report = Checker(kb).check(row["codes"], age=row["age"], sex=row["sex"],  # type: ignore[arg-type]
                               date=row["date"], setting=row["setting"])  # type: ignore[arg-type]
    body = ", ".join(json.dumps(f.to_dict()) for f in report.findings)
    ok = "true" if report.ok else "false"
    return f'{{"id": {json.dumps(row["id"])}, "ok": {ok}, "findings": [{body}]}}'


def _columnar_lines(columnar: Columnar, rows: list[dict[str, object]]) -> tuple[list[str | None], int]:
    """Each row's line from the columnar checker (None where it hands the row back), and the
    number of rows it handed back."""
    got: list[str | None] = []
    back = 0
    for start in range(0, len(rows), 250):
        for done in columnar.lines(list(enumerate(rows[start:start + 250], start + 1))):
            if isinstance(done, Run):
                lines = done.text.splitlines()
                assert len(lines) == done.rows
                assert done.errors == sum('"ok": false' in line[:200] for line in lines)
                got.extend(lines)
            else:
                got.append(None)
                back += 1
    return got, back


def test_columnar_lines_are_the_rules_lines(kb: KnowledgeBase) -> None:
    rows = _rows(kb, 1500, seed=11)
    got, back = _columnar_lines(Columnar(Checker(kb)), rows)
    assert back < len(rows) * 0.05  # nearly every row takes the columnar way (not those with an invalid code)
    said: set[str] = set()
    for row, line in zip(rows, got, strict=True):
        if line is not None:
            assert line == _expected(kb, row), row
            found = json.loads(line)["findings"]
            said |= {f["rule"] + ("+" if "excludes it" in f["message"] else "") for f in found}
    # every per-record path was met: age and sex edits, an instruction naming another code of
    # the claim (code-first error), a CC the principal excludes, first-listed edits, HCCs
    assert {"age", "sex", "code-first", "cc-mcc+", "external-cause-principal", "hcc", "excludes1",
            "excludes2", "use-additional", "unspecified"} <= said


def test_tables_saved_then_loaded_give_the_same_lines(kb: KnowledgeBase, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "tables.npz"
    path.write_bytes(b"not a saved table")  # unreadable: compiled afresh, and saved over it
    monkeypatch.setattr(tables_module, "saved_path", lambda kb_path: path)
    rows = _rows(kb, 400, seed=12)
    compiled, _ = _columnar_lines(Columnar(Checker(kb)), rows)
    assert path.stat().st_size > 1_000_000

    def no_compile(self: Tables) -> None:
        raise AssertionError("the saved tables were not loaded")

    monkeypatch.setattr(Tables, "compile_all", no_compile)
    loaded, _ = _columnar_lines(Columnar(Checker(kb)), rows)
    assert loaded == compiled
    assert sum(line is not None for line in loaded) > 350


def test_tables_that_cannot_be_saved_are_made_code_by_code(kb: KnowledgeBase, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A read-only store: nothing is saved, and codes are compiled as they are met."""
    def read_only(self: Tables, path: Path) -> None:
        raise PermissionError(f"read-only: {path}")

    monkeypatch.setattr(tables_module, "saved_path", lambda kb_path: tmp_path / "absent.npz")
    monkeypatch.setattr(Tables, "compile_all", lambda self: None)
    monkeypatch.setattr(Tables, "save", read_only)
    rows = _rows(kb, 300, seed=13)
    columnar = Columnar(Checker(kb))
    got, back = _columnar_lines(columnar, rows)
    assert not (tmp_path / "absent.npz").exists()
    assert back < 30 and len(columnar.tables.numbers) > 1000
    for row, line in zip(rows, got, strict=True):
        if line is not None:
            assert line == _expected(kb, row), row
