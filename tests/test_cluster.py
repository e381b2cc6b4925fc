"""The Spark and Dask adapters answer every encounter exactly as ``icdkit check --batch`` does:
the same ~2,000 encounters (unreadable ones among them) through ``run_batch`` and through Spark
(``local[2]``) and Dask (synchronous, threads, processes) give the same bytes, row for row."""

from __future__ import annotations

import ast
import gc
import io
import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import dask.dataframe as dd
import pandas as pd
import pyarrow as pa
import pytest
from pyspark.sql import SparkSession

from icdkit import KnowledgeBase, frames
from icdkit.dask import check_encounters as dask_check
from icdkit.rules.batch import run_batch
from icdkit.rules.check import Checker
from icdkit.spark import check_encounters as spark_check
from icdkit.spark import local_session

N = 2000
JUNK = ["XYZ", "M54.5", "S13.4A", "E11", "123", "m5403", "e11.40", "O80"]
DATES = ["2023-01-05", "2024-10-01", "2025-10-01", "2026-05-01"]
#: fields that make a row unreadable (the batch answers it with invalid-input)
BAD = [{"sex": "X"}, {"date": "2026-02-30"}, {"setting": "ward"}, {"age": 200}, {"codes": []},
       {"codes": None}, {"codes": ["I10"] * 60}, {"date": "20260401"}]
SRC = Path(__file__).resolve().parents[1] / "src" / "icdkit"


def _encounters(kb: KnowledgeBase, n: int = N) -> list[dict[str, Any]]:
    """Random encounters as a batch file holds them: some fields missing, some rows unreadable,
    some without an id."""
    rnd = random.Random(19)
    billable = [c.code for c in kb.iter_codes(billable_only=True)]
    rows: list[dict[str, Any]] = []
    for i in range(n):
        codes = rnd.sample(billable, rnd.randint(1, 8)) + rnd.sample(JUNK, rnd.randint(0, 1))
        row: dict[str, Any] = {"id": f"e{i}", "codes": codes, "age": rnd.randint(0, 100),
                               "sex": rnd.choice("FM"), "date": rnd.choice(DATES),
                               "setting": rnd.choice(("inpatient", "outpatient"))}
        row = {k: v for k, v in row.items() if k == "codes" or rnd.random() < 0.85}
        if rnd.random() < 0.05:
            row.update(rnd.choice(BAD))
        rows.append(row)
    return rows


def _batch(kb: KnowledgeBase, rows: list[dict[str, Any]]) -> list[str]:
    """What the CLI's batch writes for *rows*, one line each."""
    out = io.StringIO()
    data = "".join(json.dumps(r) + "\n" for r in rows).encode()
    summary = run_batch(Checker(kb), io.BytesIO(data), out)
    assert summary.rows_in == summary.rows_out == len(rows)
    return out.getvalue().splitlines()


def _lines(results: pd.DataFrame) -> list[str]:
    """The adapter's results written back as batch lines; its SQL columns checked on the way."""
    got = []
    for rid, ok, findings, errors, rules in results[["id", "ok", "findings", "errors", "rules"]].itertuples(
            index=False):
        parsed = json.loads(findings)
        assert errors == sum(f["severity"] == "error" for f in parsed)
        assert list(rules) == [f["rule"] for f in parsed]
        assert bool(ok) == (errors == 0)
        got.append(f'{{"id": {json.dumps(rid)}, "ok": {"true" if ok else "false"}, "findings": {findings}}}')
    return got


@pytest.fixture(scope="module")
def rows(kb: KnowledgeBase) -> list[dict[str, Any]]:
    got = _encounters(kb)
    assert sum(any(k in r and r[k] == v for k, v in b.items()) for r in got for b in BAD) > 50
    return got


@pytest.fixture(scope="module")
def expected(kb: KnowledgeBase, rows: list[dict[str, Any]]) -> list[str]:
    got = _batch(kb, rows)
    assert sum('"rule": "invalid-input"' in line for line in got) > 50  # unreadable rows answered
    assert sum('"id": "row ' in line for line in got) > 50  # rows without an id named by their number
    return got


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    session = local_session("icdkit-tests")
    yield session
    session.stop()


def _pandas(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """*rows* as a frame: codes a list column, age a nullable integer, missing fields null."""
    return pd.DataFrame({
        "id": pd.Series([r.get("id") for r in rows], dtype=object),
        "codes": pd.Series([r.get("codes") for r in rows], dtype=pd.ArrowDtype(pa.list_(pa.string()))),
        "age": pd.Series([r.get("age") for r in rows], dtype="Int64"),
        **{k: pd.Series([r.get(k) for r in rows], dtype=object) for k in ("sex", "date", "setting")},
    })


def test_check_frame_is_the_batch(kb: KnowledgeBase, rows: list[dict[str, Any]], expected: list[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frames, "SLICE", 333)  # a big partition is checked in slices, numbered on
    collecting, frozen = gc.isenabled(), gc.get_freeze_count()
    got = frames.check_frame(_pandas(rows), release=kb.release, cache_dir=str(kb.cache_dir))
    assert (gc.isenabled(), gc.get_freeze_count()) == (collecting, frozen)  # a library call leaves gc alone
    assert _lines(got) == expected
    shipped = frames.check_frame(_pandas(rows[:300]), store=str(kb.path))  # a store file, as shipped
    assert _lines(shipped) == expected[:300]


def test_spark_is_the_batch(spark: SparkSession, kb: KnowledgeBase, rows: list[dict[str, Any]],
                            expected: list[str]) -> None:
    schema = "id string, codes array<string>, age int, sex string, date string, setting string"
    df = spark.createDataFrame([tuple(r.get(k) for k in frames.COLUMNS) for r in rows], schema)
    results = spark_check(df, release=kb.release, cache_dir=str(kb.cache_dir))
    assert results.schema.simpleString() == (
        "struct<id:string,ok:boolean,findings:string,errors:int,rules:array<string>>")
    got = results.selectExpr("*", "array_contains(rules, 'invalid-input') AS unreadable").toPandas()
    assert _lines(got) == expected  # rows in == rows out, in order, byte for byte
    assert got.unreadable.tolist() == ['"rule": "invalid-input"' in line for line in expected]  # SQL reads it


def test_spark_codes_as_text_and_missing_columns(spark: SparkSession, kb: KnowledgeBase,
                                                 rows: list[dict[str, Any]]) -> None:
    few = [{"id": r.get("id"), "codes": " ".join(r["codes"] or [])} for r in rows[:400]]
    df = spark.createDataFrame([(r["id"], r["codes"]) for r in few], "id string, codes string")
    assert _lines(spark_check(df, release=kb.release).toPandas()) == _batch(kb, few)


@pytest.mark.parametrize("scheduler", ["synchronous", "threads", "processes"])
def test_dask_is_the_batch(scheduler: str, kb: KnowledgeBase, rows: list[dict[str, Any]],
                           expected: list[str]) -> None:
    df = dd.from_pandas(_pandas(rows), npartitions=5)
    results = dask_check(df, release=kb.release, cache_dir=str(kb.cache_dir))
    assert list(results.columns) == ["id", "ok", "findings", "errors", "rules"]
    with dask.config.set(scheduler=scheduler, num_workers=2):
        got = results.compute()
    assert _lines(got) == expected


def test_dask_store_file_and_row_numbers(kb: KnowledgeBase, rows: list[dict[str, Any]],
                                         expected: list[str]) -> None:
    frame = _pandas(rows[:300])
    frame["row"] = range(1, 301)
    got = dask_check(dd.from_pandas(frame, npartitions=3), store=str(kb.path))
    with dask.config.set(scheduler="synchronous"):
        assert _lines(got.compute()) == expected[:300]


def test_the_core_needs_neither_engine(kb: KnowledgeBase) -> None:
    """Only the adapters import Spark, Dask or pandas, and nothing imports the adapters: icdkit
    and its commands run where none of them is installed."""
    engines = {"pyspark", "dask", "pandas", "pyarrow"}
    adapters = {"icdkit.spark", "icdkit.dask", "icdkit.frames"}
    for path in SRC.rglob("*.py"):
        name = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.update([node.module, *(f"{node.module}.{a.name}" for a in node.names)])
        if name not in adapters:
            assert not {i.split(".")[0] for i in imported} & engines, name
            assert not imported & adapters, name
    blocked = "import sys\nfor m in ('pyspark', 'dask', 'pandas', 'pyarrow'): sys.modules[m] = None\n"
    code = blocked + ("import icdkit\nfrom icdkit.cli import main\n"
                      "sys.argv = ['icdkit', 'check', 'M54.2', 'M50.20', '--json']\nmain()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ))
    assert '"excludes1"' in done.stdout, done.stderr
