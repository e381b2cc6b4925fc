"""Batch validation throughput and memory: `icdkit check --batch` on synthetic encounters.

Measures, in one run:
* the one-time compile of the knowledge base's batch tables (rules/tables.py), saved beside it,
  or their load when this store holds them already;
* throughput of the library's streaming batch (``run_batch``) on 100,000 encounters of 2-12
  billable codes each (seeded), with age, sex, date and setting, on one core;
* the whole command ``icdkit check --batch FILE`` on the same file (process start, preload,
  reading, checking and writing JSON Lines);
* peak memory (max RSS) of the command on files of 10,000 and 100,000 rows: a streaming
  batch keeps it flat as the file grows;
* the command with ``--jobs`` = the machine's cores on the big file (worker processes; the
  target is per core, so this figure is extra).

Target (issue 3): >= 20,000 encounters/s on one core; memory flat.
There is no peer in this run: no open package checks ICD-10-CM code sets offline.

Run: .venv/bin/python benchmarks/bench_check.py [--rows N]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from icdkit import KnowledgeBase
from icdkit.rules.batch import run_batch
from icdkit.rules.check import Checker

ICDKIT = str(Path(sys.executable).with_name("icdkit"))


def synthesize(path: Path, rows: int, codes: list[str], seed: int = 7) -> None:
    rnd = random.Random(seed)
    with path.open("w") as fh:
        for i in range(rows):
            fh.write(json.dumps({
                "id": f"enc{i}", "codes": rnd.sample(codes, rnd.randint(2, 12)),
                "age": rnd.randint(0, 95), "sex": rnd.choice("FM"),
                "date": f"2025-{rnd.randint(10, 12)}-{rnd.randint(1, 28):02d}",
                "setting": rnd.choice(("inpatient", "outpatient")),
            }) + "\n")


class Sink(io.TextIOBase):
    """Where the library run writes: keeps the first *keep* lines (to count findings), drops the
    rest, as a pipe would. A StringIO of 100,000 results (~900 MB) would measure its own growth."""

    def __init__(self, keep: int) -> None:
        self.kept: list[str] = []
        self.keep = keep

    def write(self, text: str) -> int:  # a line, or the lines of consecutive rows
        if len(self.kept) < self.keep:
            self.kept.extend(text.splitlines()[:self.keep - len(self.kept)])
        return len(text)


def command(path: Path, store: str, jobs: int = 1) -> tuple[float, int, int]:
    """Wall seconds, max RSS in KiB (the largest process), and output lines of
    `icdkit check --batch` (on *jobs* worker processes)."""
    code = (  # the output read from the pipe as it comes and counted, as a consumer would
        "import resource, subprocess, sys, time\n"
        f"t = time.perf_counter(); p = subprocess.Popen([{ICDKIT!r}, 'check', '--batch', {str(path)!r},"
        f" '--jobs', '{jobs}'],"
        " stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)\n"
        "lines = sum(block.count(b'\\n') for block in iter(lambda: p.stdout.read(1 << 20), b''))\n"
        "rc = p.wait(); dt = time.perf_counter() - t\n"
        "sys.exit(f'icdkit check --batch failed ({rc})') if rc > 1 else None  # 1: rows with errors\n"
        "print(dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, lines)\n"
    )
    env = dict(os.environ, ICDKIT_CACHE_DIR=store)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    dt, rss, lines = out.stdout.split()
    return float(dt), int(rss), int(lines)


def setup(doc: str) -> tuple[int, str, KnowledgeBase, list[str]]:
    """A batch benchmark's start: its --rows (100,000 by default), its store (ICDKIT_CACHE_DIR,
    else a new temporary directory), the knowledge base opened there, and its billable codes."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    rows = ap.parse_args().rows
    store = os.environ.get("ICDKIT_CACHE_DIR") or tempfile.mkdtemp(prefix="icdkit-bench-")
    kb = KnowledgeBase.open(cache_dir=store)
    return rows, store, kb, [c.code for c in kb.iter_codes(billable_only=True)]


def main() -> None:
    from icdkit.rules.tables import Tables, saved_path  # here: bench_check_instructions imports this file

    n, store, kb, codes = setup(__doc__)
    t = time.perf_counter()
    kb.preload(freeze_gc=True)  # as the command does (an entry point may tune gc)
    preload = time.perf_counter() - t
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, {kb.label}")
    saved = saved_path(kb.path).exists()
    t = time.perf_counter()
    Tables.open(Checker(kb))  # compiled and saved once per knowledge base and icdkit version
    tables = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "big.jsonl", Path(tmp) / "small.jsonl"
        synthesize(big, n, codes)
        synthesize(small, n // 10, codes)
        checker = Checker(kb)
        data = big.read_bytes()
        out = Sink(2000)
        t = time.perf_counter()  # a fresh checker: loading the saved tables counts
        summary = run_batch(checker, io.BytesIO(data), out, tune_gc=True)
        lib = time.perf_counter() - t
        findings = sum(len(json.loads(line)["findings"]) for line in out.kept)
        cmd_big = command(big, store)
        cmd_small = command(small, store)
        cores = os.cpu_count() or 1
        cmd_jobs = command(big, store, cores) if cores > 1 else None
    rate = summary.rows_in / lib
    print(f"preload of the knowledge base: {preload:.2f} s")
    print(f"batch tables {'loaded (saved before)' if saved else 'compiled and saved (once)'}: {tables:.2f} s")
    print(f"library run_batch, {summary.rows_in:,} encounters: {lib:.1f} s = {rate:,.0f} encounters/s "
          f"({rate / 20000:.2f}x the 20,000/s target); ~{findings / 2000:.1f} findings per encounter")
    print(f"rows in {summary.rows_in:,}, rows out {summary.rows_out:,}, with errors {summary.with_errors:,}")
    for label, (dt, rss, lines) in (("small", cmd_small), ("big", cmd_big)):
        print(f"icdkit check --batch ({label}, {lines:,} rows): {dt:.1f} s = {lines / dt:,.0f} rows/s, "
              f"max RSS {rss / 1024:.0f} MiB")
    if cmd_jobs:
        dt, rss, lines = cmd_jobs
        print(f"icdkit check --batch --jobs {os.cpu_count()} (big, {lines:,} rows): {dt:.1f} s = "
              f"{lines / dt:,.0f} rows/s ({cmd_big[0] / dt:.2f}x one process; not the one-core target)")
    print(f"memory growth from {cmd_small[2]:,} to {cmd_big[2]:,} rows: "
          f"{(cmd_big[1] - cmd_small[1]) / 1024:+.0f} MiB")


if __name__ == "__main__":
    main()
