"""The batch checker on an existing engine: Spark and Dask over N encounters, beside one process.

Measures, in one run, on the same JSON Lines file of N synthetic encounters (seeded; 2-12
billable codes each, with age, sex, date and setting):
* ``run_batch`` in this process (the library call behind ``icdkit check --batch``), one core;
* Spark, ``local[2]`` (``icdkit.spark.check_encounters`` over ``spark.read.json``), the session
  start reported apart; results written to Spark's ``noop`` sink (every row checked, none kept);
* Dask, the processes scheduler with 2 workers (``icdkit.dask.check_encounters`` over
  ``dd.read_json``), results reduced to their row count and error total.
Each engine's rows out are counted against its rows in. The figures are encounters per second
of wall time; a machine shared with other work inflates them all.

Run: .venv/bin/python benchmarks/bench_cluster.py [--rows N] [--cache-dir DIR]
(the store in DIR, default a temporary one built first, is used by every engine's workers)
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

from icdkit import KnowledgeBase
from icdkit.rules.batch import run_batch
from icdkit.rules.check import Checker
from icdkit.rules.kernels import NATIVE as AVAILABLE
from icdkit.rules.speedups import ensure_tables

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_check import synthesize


class Counting(io.TextIOBase):
    """Counts the lines written and keeps none (as a pipe would)."""

    lines = 0

    def write(self, s: str) -> int:
        self.lines += s.count("\n")
        return len(s)


def single(kb: KnowledgeBase, path: Path) -> tuple[float, int]:
    out = Counting()
    t = time.perf_counter()
    with path.open("rb") as fh:
        summary = run_batch(Checker(kb), fh, out)
    assert summary.rows_in == summary.rows_out == out.lines
    return time.perf_counter() - t, out.lines


def spark_run(path: Path, release: str, cache_dir: str) -> tuple[float, float, int, int]:
    from pyspark.sql import functions as F

    from icdkit.spark import check_encounters, local_session

    t = time.perf_counter()
    spark = local_session("icdkit-bench")
    started = time.perf_counter() - t
    try:
        schema = "id string, codes array<string>, age int, sex string, date string, setting string"
        df = spark.read.schema(schema).json(str(path))
        t = time.perf_counter()
        results = check_encounters(df, release=release, cache_dir=cache_dir)
        got = results.agg(F.count("*").alias("rows"), F.sum("errors").alias("errors")).collect()[0]
        return started, time.perf_counter() - t, int(got["rows"]), int(got["errors"])
    finally:
        spark.stop()


def dask_run(path: Path, release: str, cache_dir: str) -> tuple[float, int, int]:
    import dask
    import dask.dataframe as dd

    from icdkit.dask import check_encounters

    # keep codes a list column: Dask would otherwise turn object columns into text
    with dask.config.set({"dataframe.convert-string": False, "scheduler": "processes", "num_workers": 2}):
        t = time.perf_counter()
        df = dd.read_json(str(path), lines=True, blocksize=4 << 20, dtype=False)
        results = check_encounters(df, release=release, cache_dir=cache_dir)
        rows, errors = dask.compute(results.ok.count(), results.errors.sum())
        return time.perf_counter() - t, int(rows), int(errors)


def _line(engine: str, took: float, rows: int, more: str = "") -> None:
    print(f"{engine:<34}{took:>9.1f}{rows / took:>10,.0f}  {rows:,}{more}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--cache-dir", help="the store to use (default: a temporary one, built first)")
    ap.add_argument("--skip", choices=("spark", "dask"), action="append", default=[])
    args = ap.parse_args()
    cache_dir = args.cache_dir or tempfile.mkdtemp(prefix="icdkit-bench-")
    os.environ["ICDKIT_CACHE_DIR"] = cache_dir  # the workers' default store, too
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; accelerator: {AVAILABLE}")
    t = time.perf_counter()
    kb = KnowledgeBase.open(cache_dir=cache_dir)
    ensure_tables(Checker(kb))
    print(f"store ready ({kb.release}, {cache_dir}): {time.perf_counter() - t:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "encounters.jsonl"
        synthesize(path, args.rows, [c.code for c in kb.iter_codes(billable_only=True)], seed=19)
        print(f"{args.rows:,} encounters, {path.stat().st_size / 1e6:.0f} MB of JSON Lines\n")
        print(f"{'engine':<34}{'wall s':>9}{'enc/s':>10}  rows out, errors")
        took, rows = single(kb, path)
        _line("run_batch, one process", took, rows)
        if "spark" not in args.skip:
            started, took, rows, errors = spark_run(path, kb.release, cache_dir)
            _line("Spark local[2], mapInPandas", took, rows,
                  f", {errors:,} (session start {started:.1f} s apart)")
            assert rows == args.rows
        if "dask" not in args.skip:
            took, rows, errors = dask_run(path, kb.release, cache_dir)
            _line("Dask processes x2, map_partitions", took, rows, f", {errors:,}")
            assert rows == args.rows
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
