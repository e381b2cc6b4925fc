"""The columnar batch checker (rules/columnar.py) and its tables (rules/rule_tables.py): the same
lines as ``check()`` of each row, with nearly every row of a realistic batch taking the
columnar way and each of its per-record paths met; tables compiled into the store at build and
loaded, a store built without them completed once, compiled in memory when it cannot be."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from pathlib import Path

import pytest
from tests.test_batch_equivalence import check_line

pytest.importorskip("icdkit.rules._native", reason="the optional C accelerator was not built")

from icdkit import KnowledgeBase, store
from icdkit.build import checksum
from icdkit.errors import DamagedStore, UnwritableStore
from icdkit.rules import rule_tables as tables_module
from icdkit.rules import speedups
from icdkit.rules.check import Checker
from icdkit.rules.columnar import Columnar, Run
from icdkit.rules.rule_tables import Tables


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
    return check_line(kb, row)


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


def test_rows_listing_a_code_twice_or_unreadable_are_the_evaluators_too(kb: KnowledgeBase) -> None:
    rows = [{**row, "date": "2026-05-01"} for row in _rows(kb, 200, seed=5)]  # every code valid then
    for i, row in enumerate(rows[:60]):
        codes = row["codes"]
        assert isinstance(codes, list)
        codes.insert(1 + i % len(codes), codes[i % len(codes)])  # listed twice, thrice
        if i % 3 == 0:
            codes.append(codes[0])
    odd: list[object] = [{"id": "x", "codes": []}, {"id": "y", "codes": ["I10"], "age": "old"},
                         {"id": "z", "codes": ["I10"], "date": "2031-01-01"}, "not valid JSON (…)",
                         {"codes": ["I10"], "setting": "home"}]
    lines = Columnar(Checker(kb)).lines([*enumerate(rows, 1), *enumerate(odd, len(rows) + 1)])
    assert all(isinstance(done, Run) for done in lines)  # none handed back
    got = "".join(done.text for done in lines if isinstance(done, Run)).splitlines()
    for row, line in zip(rows, got[:len(rows)], strict=True):
        assert line == _expected(kb, row), row
    assert sum('"rule": "duplicate"' in line for line in got) == 60
    invalid = [json.loads(line) for line in got[len(rows):]]
    assert [f["rule"] for one in invalid for f in one["findings"]] == ["invalid-input"] * len(odd)
    assert sum(done.invalid for done in lines if isinstance(done, Run)) == len(odd)
    assert invalid[4]["id"] == f"row {len(rows) + 5}" and "setting" in invalid[4]["findings"][0]["message"]


def test_tables_are_compiled_at_build_and_loaded_without_compiling(
        kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    """The store built with the rules' stage holds the tables (covered by its checksum); the
    evaluator loads them, never compiles, and writes the lines of tables compiled afresh."""
    assert kb.compiled(tables_module.STAGE, tables_module.version()) is not None
    assert store.health(kb.path).status == "ok"
    rows = _rows(kb, 400, seed=12)

    def compiled_here(checker: Checker) -> Tables:
        got = Tables(checker)
        got.compile_all()
        return got

    def no_compile(self: Tables) -> None:
        raise AssertionError("the tables of the store were not loaded")

    with monkeypatch.context() as m:
        m.setattr(Tables, "open", classmethod(lambda cls, checker: compiled_here(checker)))
        compiled, _ = _columnar_lines(Columnar(Checker(kb)), rows)
    monkeypatch.setattr(Tables, "compile_all", no_compile)
    loaded, _ = _columnar_lines(Columnar(Checker(kb)), rows)
    assert loaded == compiled
    assert sum(line is not None for line in loaded) > 350


def _store_without_tables(kb: KnowledgeBase, directory: Path) -> Path:
    """A copy of *kb*'s store as built without the rules' stage (its checksum recorded)."""
    path = directory / kb.path.name
    shutil.copyfile(kb.path, path)
    with sqlite3.connect(path) as con:
        con.execute("DELETE FROM compiled")
        con.execute("DELETE FROM meta WHERE key LIKE 'compiled:%'")
    checksum.write(path, checksum.digest(path))
    return path


def test_a_store_built_without_the_tables_is_completed_once(kb: KnowledgeBase, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = _store_without_tables(kb, tmp_path)
    with KnowledgeBase(path) as bare:
        assert bare.compiled(tables_module.STAGE, tables_module.version()) is None
        rows = _rows(kb, 120, seed=14)
        got, _ = _columnar_lines(Columnar(Checker(bare)), rows)  # completes the store
    assert store.health(path).status == "ok"  # its new checksum recorded
    with KnowledgeBase(path) as completed:
        assert completed.compiled(tables_module.STAGE, tables_module.version()) is not None
        monkeypatch.setattr(Tables, "compile_all", lambda self: pytest.fail("compiled again"))
        again, _ = _columnar_lines(Columnar(Checker(completed)), rows)
    assert again == got
    for row, line in zip(rows, got, strict=True):
        if line is not None:
            assert line == _expected(kb, row), row


def test_tables_that_cannot_be_stored_are_compiled_in_memory(kb: KnowledgeBase, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A damaged store (it differs from its checksum) is not completed, nor is a read-only one:
    the tables are compiled in memory, the same lines come out, never an error."""
    path = _store_without_tables(kb, tmp_path)
    checksum.write(path, "0" * 64)
    with pytest.raises(DamagedStore):
        store.complete(path, speedups.stages())
    rows = _rows(kb, 150, seed=13)
    with KnowledgeBase(path) as damaged:
        columnar = Columnar(Checker(damaged))
        got, back = _columnar_lines(columnar, rows)
    assert back < 15 and len(columnar.tables.numbers) > 1000
    assert damaged.compiled(tables_module.STAGE, tables_module.version()) is None
    for row, line in zip(rows, got, strict=True):
        if line is not None:
            assert line == _expected(kb, row), row

    def read_only(path: Path, stages: object, progress: object = None) -> Path:
        raise UnwritableStore(f"read-only: {path}")

    monkeypatch.setattr(store, "complete", read_only)
    (tmp_path / "read-only").mkdir()
    path = _store_without_tables(kb, tmp_path / "read-only")
    with KnowledgeBase(path) as bare:
        again, _ = _columnar_lines(Columnar(Checker(bare)), rows)
    assert again == got
