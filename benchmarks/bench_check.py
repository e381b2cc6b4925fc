"""Validation speed, side by side in one run: build, first batch, batch throughput (accelerated
and pure), one encounter's check() hot, a cold `icdkit check`, and the batch command's memory.

Measures, in one run (issue 19's targets in brackets):
* the build of a release with its rule tables, in a fresh store (`icdkit build --release FY2026`,
  a process) [<= 60 s];
* the first batch of one row: `icdkit check --batch` of a one-row file, a fresh process on a
  built store, wall time to its result (the rule tables are loaded from the store, never
  compiled) [< 2 s];
* the library's streaming batch (``run_batch``) on N encounters of 2-12 billable codes each
  (seeded, default 20,000), with age, sex, date and setting, on one core, in a fresh process with
  the native accelerator and with ``ICDKIT_PUREPYTHON=1`` [>= 20,000/s and >= 5,000/s];
* ``Checker.check()`` of one 7-code encounter, hot, p50 over 2,000 calls [<= 1 ms];
* a cold ``icdkit check`` process of that encounter, median of 7 [<= 0.5 s];
* the whole command ``icdkit check --batch FILE`` on files of N/10 and N rows: throughput and
  peak memory (max RSS): a streaming batch keeps it flat as the file grows; and with ``--jobs`` =
  the machine's cores (worker processes; extra, not the one-core target).

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
import resource
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


def setup(doc: str, rows: int = 100_000) -> tuple[int, str, KnowledgeBase, list[str]]:
    """A batch benchmark's start: its --rows (*rows* by default), its store (ICDKIT_CACHE_DIR,
    else a new temporary directory), the knowledge base opened there, and its billable codes."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--rows", type=int, default=rows)
    rows = ap.parse_args().rows
    store = os.environ.get("ICDKIT_CACHE_DIR") or tempfile.mkdtemp(prefix="icdkit-bench-")
    kb = KnowledgeBase.open(cache_dir=store)
    return rows, store, kb, [c.code for c in kb.iter_codes(billable_only=True)]


ENCOUNTER = ["S72.001A", "E11.22", "N18.31", "I10", "Z79.4", "M54.2", "M50.20"]  # 7 codes
RATE = (  # a fresh process: open, preload as the command does, then run_batch over the file, timed
    "import io, sys, time\n"
    "from icdkit import KnowledgeBase\n"
    "from icdkit.rules.batch import run_batch\n"
    "from icdkit.rules.check import Checker\n"
    "from icdkit.rules.kernels import NATIVE as AVAILABLE\n"
    "kb = KnowledgeBase.open(); kb.preload(freeze_gc=True); data = open(sys.argv[1], 'rb').read()\n"
    "t, c = time.perf_counter(), time.process_time()\n"
    "s = run_batch(Checker(kb), io.BytesIO(data), io.StringIO(), tune_gc=True)\n"
    "print(s.rows_in / (time.perf_counter() - t), s.rows_in / (time.process_time() - c), AVAILABLE)\n"
)


def wall(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of a process: on a loaded machine the CPU time is
    what the process would take alone."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    took = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return took, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def rate(path: Path, store: str, pure: bool) -> tuple[float, float]:
    """Encounters/s of run_batch over *path* in a fresh process, accelerated or pure: per wall
    second and per CPU second."""
    env = dict(os.environ, ICDKIT_CACHE_DIR=store, ICDKIT_PUREPYTHON="1" if pure else "0")
    out = subprocess.run([sys.executable, "-c", RATE, str(path)], capture_output=True, text=True, env=env,
                         check=True).stdout.split()
    assert out[2] == str(not pure), out  # the path asked for is the path measured
    return float(out[0]), float(out[1])


def main() -> None:
    with tempfile.TemporaryDirectory() as fresh:  # the build, in a store of its own
        build = wall([ICDKIT, "build", "--release", "FY2026"], dict(os.environ, ICDKIT_CACHE_DIR=fresh))
    n, store, kb, codes = setup(__doc__, 20_000)
    env = dict(os.environ, ICDKIT_CACHE_DIR=store)
    t = time.perf_counter()
    kb.preload(freeze_gc=True)  # as the command does (an entry point may tune gc)
    preload = time.perf_counter() - t
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, {kb.label}, "
          f"load average {os.getloadavg()[0]:.2f}")
    checker = Checker(kb)
    times = []
    for _ in range(2_200):
        t = time.perf_counter()
        checker.check(ENCOUNTER, age=67, sex="F", date="2025-11-03", setting="inpatient")
        times.append(time.perf_counter() - t)
    hot = sorted(times[200:])[len(times[200:]) // 2]
    cold_argv = [ICDKIT, "check", *ENCOUNTER, "--age", "67", "--sex", "F", "--date", "2025-11-03"]
    wall(cold_argv, env)  # warms the OS file cache
    colds = sorted(wall(cold_argv, env) for _ in range(7))
    cold = (colds[3][0], sorted(c for _, c in colds)[3])
    with tempfile.TemporaryDirectory() as tmp:
        one, big, small = Path(tmp) / "one.jsonl", Path(tmp) / "big.jsonl", Path(tmp) / "small.jsonl"
        synthesize(one, 1, codes)
        synthesize(big, n, codes)
        synthesize(small, n // 10, codes)
        first = wall([ICDKIT, "check", "--batch", str(one)], env)
        accelerated, pure = rate(big, store, False), rate(big, store, True)
        out = Sink(2000)
        summary = run_batch(Checker(kb), io.BytesIO(big.read_bytes()), out, tune_gc=True)
        findings = sum(len(json.loads(line)["findings"]) for line in out.kept)
        cmd_big = command(big, store)
        cmd_small = command(small, store)
        cores = os.cpu_count() or 1
        cmd_jobs = command(big, store, cores) if cores > 1 else None

    def verdict(ok: bool) -> str:
        return "OK" if ok else "MISSED"

    print("(wall seconds; in brackets the CPU seconds or the rate per CPU second: what the process "
          "takes alone on a loaded machine)")
    print(f"build of FY2026 with its rule tables (icdkit build, a process): {build[0]:.1f} s "
          f"({build[1]:.1f} s CPU) [<= 60 s {verdict(build[0] <= 60)}]")
    print(f"first batch of one row (icdkit check --batch, a process): {first[0]:.2f} s "
          f"({first[1]:.2f} s CPU) [< 2 s {verdict(first[0] < 2)}]")
    print(f"batch run_batch, {n:,} encounters, accelerated: {accelerated[0]:,.0f} encounters/s "
          f"({accelerated[1]:,.0f}/s CPU) [>= 20,000 {verdict(accelerated[0] >= 20_000)}]")
    print(f"batch run_batch, {n:,} encounters, pure Python: {pure[0]:,.0f} encounters/s "
          f"({pure[1]:,.0f}/s CPU) [>= 5,000 {verdict(pure[0] >= 5_000)}]")
    print(f"check() of one 7-code encounter, hot p50: {hot * 1000:.3f} ms [<= 1 ms {verdict(hot <= 0.001)}]")
    print(f"cold icdkit check of that encounter (a process, median of 7): {cold[0]:.2f} s "
          f"({cold[1]:.2f} s CPU) [<= 0.5 s {verdict(cold[0] <= 0.5)}]")
    print(f"preload of the knowledge base: {preload:.2f} s; ~{findings / 2000:.1f} findings per encounter; "
          f"rows in {summary.rows_in:,}, rows out {summary.rows_out:,}, with errors {summary.with_errors:,}")
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
