"""What compiling the rule engine buys: the batch check, interpreted and compiled with mypyc.

The batch check (issue 3) runs at about a third of its 20,000 encounters/s target. This
benchmark asks whether compiling the rules as they are closes the gap. It copies ``src/``,
compiles every module of ``icdkit.rules`` that a batch runs (mypyc, from mypy in the dev
extra; gcc), and runs the library's ``run_batch`` on the same synthetic encounters as
bench_check.py, interpreted (the peer) and compiled, each in its own process:

* cold: the first pass over N encounters (the rules' memos fill as they go);
* warm: a second pass over the same N (every memo filled).

For scale, a *floor*: a Python loop that does no rule at all, only what any batch of this
output must (parse a row, look up each code's record, keep it when its period covers the date,
join three pre-rendered ~350-character findings per code into the row's line).

Run: .venv/bin/python benchmarks/bench_compiled.py [--rows N]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_check import setup, synthesize

SRC = Path(__file__).resolve().parent.parent / "src"
#: the modules a batch runs through (parallel.py is left out: only workers use it)
MODULES = ("batch", "cache", "check", "codeset", "context", "emit", "excludes", "findings", "govern",
           "info", "mce", "render", "screen", "sequencing")

CHILD = """
import io, sys, time
from icdkit import KnowledgeBase
from icdkit.rules import batch
from icdkit.rules.check import Checker

class Drop(io.TextIOBase):
    def write(self, text):
        return len(text)

data = open(sys.argv[1], "rb").read()
kb = KnowledgeBase.open()
kb.preload()
checker = Checker(kb)
rates = []
for rows in (data, data):
    t = time.process_time()
    s = batch.run_batch(checker, io.BytesIO(rows), Drop())
    rates.append(s.rows_in / (time.process_time() - t))
print(batch.__file__.endswith(".py"), *rates)
"""


def compiled_copy(into: Path) -> Path:
    """A copy of src/ with the batch's rule modules compiled by mypyc (in place)."""
    src = into / "src"
    shutil.copytree(SRC, src, ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    mypyc = Path(sys.executable).with_name("mypyc")
    paths = [f"icdkit/rules/{m}.py" for m in MODULES]
    subprocess.run([str(mypyc), *paths], cwd=src, check=True, capture_output=True)
    return src


def measure(src: Path, rows: Path, store: str) -> tuple[bool, float, float]:
    """(interpreted?, cold and warm encounters per CPU second) with *src* on the path."""
    env = dict(os.environ, PYTHONPATH=str(src), ICDKIT_CACHE_DIR=store)
    out = subprocess.run([sys.executable, "-c", CHILD, str(rows)], capture_output=True,
                         text=True, env=env, check=True).stdout.split()
    return out[0] == "True", float(out[1]), float(out[2])


def floor(rows: Path) -> float:
    """Encounters per CPU second of the floor loop (see the module) over *rows*."""
    lines = rows.read_bytes().splitlines()
    records: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    for line in lines:
        for code in json.loads(line)["codes"]:
            text = f'"{code} ' + "x" * 340 + '"'
            records[code] = ("2025-10-01", "2026-09-30", (text, text, text))
    t = time.process_time()
    for line in lines:
        row = json.loads(line)
        day = row["date"]
        found: list[str] = []
        for code in row["codes"]:
            start, end, texts = records[code]
            if start <= day <= end:
                found.extend(texts)
        f'{{"id": {json.dumps(row["id"])}, "ok": true, "findings": [{", ".join(found)}]}}\n'.encode()
    return len(lines) / (time.process_time() - t)


def main() -> None:
    n, store, kb, codes = setup(__doc__)
    with tempfile.TemporaryDirectory() as tmp:
        rows = Path(tmp) / "rows.jsonl"
        synthesize(rows, n, codes)
        built = compiled_copy(Path(tmp))
        runs = {"interpreted": measure(SRC, rows, store), "compiled (mypyc)": measure(built, rows, store)}
        bottom = floor(rows)
    if runs["interpreted"][0] is not True or runs["compiled (mypyc)"][0] is not False:
        raise SystemExit("bench_compiled: the two runs did not load the code they name")
    peer = runs["interpreted"]
    print(f"{kb.label}; {n:,} synthetic encounters (bench_check.py); encounters per CPU second")
    for label, (_, cold, warm) in runs.items():
        print(f"{label:17s} cold {cold:7,.0f} ({cold / peer[1]:.2f}x)  "
              f"warm {warm:7,.0f} ({warm / peer[2]:.2f}x)  "
              f"({cold / 20000:.2f}x and {warm / 20000:.2f}x the 20,000/s target)")
    print(f"floor (no rules)  {bottom:7,.0f} ({bottom / peer[1]:.2f}x cold): parse, look up, join, encode")


if __name__ == "__main__":
    main()
