"""Batch checking cost in CPU instructions per encounter: a figure that does not drift.

Wall-clock throughput (bench_check.py) moves by ±20 % between runs on a shared machine, which
hides any change smaller than that. Valgrind's callgrind counts the instructions executed
instead: the same code on the same input gives the same count, whatever else the machine does.

Two counts per source tree, over the synthetic encounters of bench_check.py (seeded):
* cold: the first 4,000 encounters on a fresh checker (most codes seen for the first time:
  the memos are filling, as in the first part of any batch; the batch tables saved in the
  store are loaded, and compiled before counting when the store lacks them for that source);
* warm: 2,000 further encounters after 6,000 (about half their codes seen before);
* hot: those 2,000 encounters run a second time (every code, cell and template met before:
  the cost of the rules themselves, which a long batch approaches).
Only the batch itself is counted (instrumentation is switched on around ``run_batch``).

Run: .venv/bin/python benchmarks/bench_check_instructions.py [--also OTHER/src ...]
``--also`` counts other checkouts' ``src`` folders in the same run (e.g. a git worktree of the
previous commit), and prints each as a ratio of the first. Needs valgrind (Debian package).
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
COLD, SKIP, WARM = 4_000, 6_000, 2_000


def child(mode: str, path: str) -> None:
    """Run inside valgrind: instrument only the batch being counted."""
    from bench_check import Sink
    from icdkit import KnowledgeBase
    from icdkit.rules.batch import run_batch
    from icdkit.rules.check import Checker

    kb = KnowledgeBase.open()
    kb.preload()
    lines = Path(path).read_bytes().splitlines(keepends=True)
    checker = Checker(kb)
    if mode == "cold":
        data = b"".join(lines[:COLD])
    elif mode == "hot":
        data = b"".join(lines[SKIP:SKIP + WARM])
        run_batch(checker, io.BytesIO(data), Sink(0))
    else:
        run_batch(checker, io.BytesIO(b"".join(lines[:SKIP])), Sink(0))
        data = b"".join(lines[SKIP:SKIP + WARM])
    pid = str(os.getpid())
    subprocess.run(["callgrind_control", "-i", "on", pid], capture_output=True, check=True)
    run_batch(checker, io.BytesIO(data), Sink(0))
    subprocess.run(["callgrind_control", "-i", "off", pid], capture_output=True, check=True)


PREPARE = """
from icdkit import KnowledgeBase
from icdkit.rules.check import Checker
try:
    from icdkit.rules.rule_tables import Tables
except ImportError:  # a checkout from before the batch tables
    pass
else:
    Tables.open(Checker(KnowledgeBase.open()))
"""


def count(src: Path, mode: str, path: Path, tmp: Path) -> int:
    """Instructions of one counted batch, with *src* first on the import path."""
    out = tmp / f"callgrind.{abs(hash(str(src)))}.{mode}"
    env = dict(os.environ, PYTHONPATH=f"{src}{os.pathsep}{HERE}")
    subprocess.run([sys.executable, "-c", PREPARE], env=env, check=True)  # saved tables: not counted
    subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
                    sys.executable, __file__, "--child", mode, str(path)],
                   env=env, check=True, capture_output=True)
    text = subprocess.run(["callgrind_annotate", str(out)], capture_output=True, text=True, check=True).stdout
    m = re.search(r"^\s*([\d,]+)\s.*PROGRAM TOTALS", text, re.M)
    assert m, "callgrind_annotate printed no total"
    return int(m[1].replace(",", ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--also", type=Path, action="append", default=[], help="another checkout's src folder")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    if not shutil.which("valgrind"):
        sys.exit("valgrind is not installed: apt-get install -y valgrind")
    from bench_check import synthesize
    from icdkit import KnowledgeBase

    kb = KnowledgeBase.open()  # builds the store once, before any counting
    codes = [c.code for c in kb.iter_codes(billable_only=True)]
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        path = tmp / "encounters.jsonl"
        synthesize(path, SKIP + WARM, codes)
        print(f"{kb.label}; instructions per encounter (callgrind), cold = first {COLD:,} encounters, "
              f"warm = {WARM:,} after {SKIP:,}, hot = those {WARM:,} again")
        first: dict[str, float] = {}
        for src in [SRC, *args.also]:
            row = []
            for mode, rows in (("cold", COLD), ("warm", WARM), ("hot", WARM)):
                per = count(src.resolve(), mode, path, tmp) / rows
                first.setdefault(mode, per)
                row.append(f"{mode} {per:,.0f} ({per / first[mode]:.2f}x)")
            print(f"{src}: " + ", ".join(row))


if __name__ == "__main__":
    main()
