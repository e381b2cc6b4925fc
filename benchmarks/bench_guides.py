"""Code guides: recall of a coder's expected codes, focus, hot latency and the static export.

1. Recall — for each entry of ``benchmarks/guides/review_set.jsonl`` (written by a coder apart
   from the engine), the share of expected codes the guide names, per section (documentation,
   pitfalls, confusable, related: found in the *same* section) and overall (found anywhere in
   the guide's advice). An expected code ending in ``-`` (``G89.-``) is found when the guide names
   it or any code below it; a guide entry ending in ``-`` (``M50.-``) covers every code below it.
2. Focus — distinct codes each guide points to (mean, p90, max; the target is at most ~40).
3. Hot latency — one guide at a time on a preloaded KnowledgeBase, a seeded sample of codes
   after one warm pass: p50 / p99 ms.                                  Target: p50 <= 10 ms.
4. Export (``--export``) — ``icdkit export-site`` of one release into a temporary folder: wall
   seconds, pages, peak RSS of the run.                    Target: <= 15 minutes on 2 cores.

Run: .venv/bin/python benchmarks/bench_guides.py [--release FY2026] [--sample 2000] [--export]
[--cache-dir DIR]. The knowledge base is built into a temporary directory unless ``--cache-dir``
names a store to reuse; your icdkit cache is never touched.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REVIEW = ROOT / "benchmarks" / "guides" / "review_set.jsonl"
SECTIONS = ("documentation", "pitfalls", "confusable", "related")


def _key(code: str) -> str:
    return code.rstrip("-").rstrip(".").replace(".", "").upper()


def found(expected: str, named: set[str]) -> bool:
    """Whether the guide's codes *named* cover one expected code."""
    want = _key(expected)
    for code in named:
        if "-" in code.rstrip("-"):  # a range such as R07.1-R07.9
            lo, hi = (_key(p) for p in code.split("-", 1))
            if lo <= want <= hi + "~":
                return True
            continue
        got = _key(code)
        if got == want or (expected.endswith("-") and got.startswith(want)) or (
                code.endswith("-") and want.startswith(got)):
            return True
    return False


def section_codes(g: dict[str, Any]) -> dict[str, set[str]]:
    return {
        "documentation": {c for s in g["documentation"] for c in s["codes"]},
        "pitfalls": {c for s in g["pitfalls"] for c in s["codes"]},
        "confusable": {c["code"] for c in g["confusable"]},
        "related": {r["code"] for r in g["related"]},
    }


def recall(kb: Any) -> dict[str, Any]:
    from icdkit.guide import guide

    hits = dict.fromkeys((*SECTIONS, "overall"), 0)
    totals = dict.fromkeys((*SECTIONS, "overall"), 0)
    sizes = []
    missing = 0
    for line in REVIEW.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        if entry["code"] not in kb:
            missing += 1
            continue
        g = guide(kb, entry["code"])
        named = section_codes(g.to_json())
        everything = set().union(*named.values()) | {c for f in g.faq for c in f.codes}
        sizes.append(len(g.codes()))
        for sec in SECTIONS:
            for want in entry["expect"].get(sec, []):
                totals[sec] += 1
                totals["overall"] += 1
                hits[sec] += found(want, named[sec])
                hits["overall"] += found(want, everything)
    sizes.sort()
    return {
        "entries": len(sizes), "not_in_release": missing,
        "recall": {s: (round(hits[s] / totals[s], 3) if totals[s] else None, hits[s], totals[s])
                   for s in hits},
        "distinct_codes": {"mean": round(statistics.mean(sizes), 1), "p90": sizes[int(len(sizes) * 0.9)],
                           "max": sizes[-1]},
    }


def latency(kb: Any, n: int, seed: int) -> dict[str, Any]:
    from icdkit.guide import guide

    kb.preload()
    keys = random.Random(seed).sample(list(kb.code_keys()), n)
    for k in keys:
        guide(kb, k)
    times = []
    for k in keys:
        t = time.perf_counter()
        guide(kb, k)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {"codes": n, "p50_ms": round(times[n // 2], 2), "p99_ms": round(times[int(n * 0.99)], 2),
            "max_ms": round(times[-1], 1)}


def export(release: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="icdkit-site-") as out:
        t = time.time()
        proc = subprocess.run([str(Path(sys.executable).with_name("icdkit")), "export-site", out,
                               "--release", release], capture_output=True, text=True, env=dict(os.environ))
        wall = time.time() - t
        pages = len(list(Path(out).glob("*.html"))) - 1
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    return {"seconds": round(wall, 1), "pages": pages, "peak_rss_mb_per_process": rss,
            "ok": proc.returncode == 0, "stderr_tail": proc.stderr[-300:] if proc.returncode else ""}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--release", default="FY2026")
    p.add_argument("--sample", type=int, default=2000)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--export", action="store_true", help="also time the static export of the release")
    p.add_argument("--cache-dir", help="a store to reuse (default: a new temporary one)")
    args = p.parse_args()
    tmp = None if args.cache_dir else tempfile.TemporaryDirectory(prefix="icdkit-bench-")
    os.environ["ICDKIT_CACHE_DIR"] = args.cache_dir or (tmp.name if tmp else "")
    from icdkit import KnowledgeBase

    print(f"load average before: {os.getloadavg()}, cpus {os.cpu_count()}")
    kb = KnowledgeBase.open(args.release)
    result: dict[str, Any] = {"release": args.release}
    result.update(recall(kb))
    result["latency"] = latency(kb, args.sample, args.seed)
    if args.export:
        result["export"] = export(args.release)
    print(json.dumps(result, indent=1))
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
