"""A cold one-shot ``icdkit check`` process, as a user runs it: issue 19's target (<= 0.5 s).

Runs ``icdkit check E11.9 I10 N18.3 --json`` (a header code among them: N18.3 is compiled
when met, the other two come out of the rule tables) once to write the bytecode and warm the
OS file cache, then N times (default 10), on the store already built (``ICDKIT_CACHE_DIR``, else
the default). Bytecode is cached in a temporary ``PYTHONPYCACHEPREFIX`` even where
``PYTHONDONTWRITEBYTECODE=1`` is set. Prints the median wall and CPU seconds (user + system)
of the process and its max RSS, with the load average: on a shared machine the CPU figure is
what the process takes alone.

Run: .venv/bin/python benchmarks/bench_cold_check.py [--runs N] [--icdkit PATH]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ARGV = ["check", "E11.9", "I10", "N18.3", "--json"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--icdkit", default=str(Path(sys.executable).with_name("icdkit")))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="icdkit-pyc-") as pyc:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = pyc
        argv = [args.icdkit, *ARGV]
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=False)  # bytecode, file cache
        walls, cpus, rss = [], [], []
        for _ in range(args.runs):
            t = time.perf_counter()
            child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)
            _, _, usage = os.wait4(child.pid, 0)
            walls.append(time.perf_counter() - t)
            cpus.append(usage.ru_utime + usage.ru_stime)
            rss.append(usage.ru_maxrss / 1024)
    wall = statistics.median(walls)
    print(f"icdkit {' '.join(ARGV)}: median of {args.runs} runs {wall:.3f} s wall, "
          f"{statistics.median(cpus):.3f} s CPU, max RSS {max(rss):.0f} MiB, "
          f"load average {os.getloadavg()[0]:.2f} [<= 0.5 s {'OK' if wall <= 0.5 else 'MISSED'}]")


if __name__ == "__main__":
    main()
