"""Knowledge-base speed: icdkit against the peer ``simple-icd-10-cm`` 1.5.0, side by side.

Measures, in one run (all stores in a temp dir via ICDKIT_CACHE_DIR; the user's cache is untouched):

1. Build: ``build_release`` of FY2026 and FY2025 in a fresh subprocess each, wall seconds and
   peak RSS of that process. Context: the peer's cold ``import simple_icd_10_cm`` (it parses the
   tabular XML at import), also in a fresh subprocess.               Target: build <= 60 s.
2. Cold whole-process lookup of M54.03: ``icdkit lookup M54.03 --json`` (console script) vs
   ``python -c "import simple_icd_10_cm as cm; print(cm.get_description('M54.03'))"``, each run
   N times after one warm-up; median and p90 wall ms.          Target: icdkit >= 10x faster.
3. Hot in-process lookups of the same seeded random sample of codes (categories, subcategories
   and codes from the peer's ``get_all_codes``): title + billable/leaf + ancestors + effective
   Excludes1 (peer: ``get_excludes1`` of the code and of each ancestor), for the peer, for a
   freshly opened KnowledgeBase (point queries, then automatic preload) and for one after an
   explicit ``preload()``; lookups/s. Both libraries' answers are compared (titles, ancestors,
   Excludes1 counts) outside the timed loops.                 Target: icdkit >= peer lookups/s.

Run: .venv/bin/python benchmarks/bench_kb.py [--quick]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ICDKIT = str(Path(sys.executable).with_name("icdkit"))
CODE = "M54.03"
EX1 = {"excludes1"}
BUILD_CHILD = """
import json, resource, sys, time
from pathlib import Path
from icdkit import store
from icdkit.build.compile import build_release
from icdkit.build.sources import discover
t = time.perf_counter()
build_release(discover([store.BUNDLED / sys.argv[1]]), Path(sys.argv[2]))
print(json.dumps([time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss]))
"""
PEER_IMPORT_CHILD = """
import json, resource, time
t = time.perf_counter()
import simple_icd_10_cm
print(json.dumps([time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss]))
"""
PEER_LOOKUP = f"import simple_icd_10_cm as cm; print(cm.get_description({CODE!r}))"


def child(code: str, *args: str) -> tuple[float, float]:
    """Run a Python child printing [seconds, max RSS KiB]; return (seconds, MiB)."""
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    secs, rss = json.loads(out.stdout.splitlines()[-1])
    return secs, rss / 1024


def wall(cmd: list[str], expect: str, env: dict[str, str] | None = None) -> float:
    t = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    took = time.perf_counter() - t
    assert expect in out.stdout, (cmd, out.stdout[:200], out.stderr[:500])
    return took


def p90(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=10, method="inclusive")[-1] if len(xs) > 1 else xs[0]


def ok(flag: bool) -> str:
    return "OK" if flag else "MISSED"


def section_build(store_dir: Path, reps: int) -> float:
    print(f"\n1. Build a release (fresh subprocess each; median of {reps}; peak RSS = max over runs)")
    print(f"   {'what':<38}{'seconds':>9}{'peak RSS MiB':>14}   target")
    peer = [child(PEER_IMPORT_CHILD) for _ in range(reps)]
    peer_s = statistics.median(s for s, _ in peer)
    for release in ("FY2026", "FY2025"):
        # the last build of each release stays in the store used by sections 2 and 3
        runs = [child(BUILD_CHILD, release, str(store_dir / f"icdkit-{release}.sqlite")) for _ in range(reps)]
        secs = statistics.median(s for s, _ in runs)
        print(f"   {'icdkit build_release ' + release:<38}{secs:>9.2f}{max(r for _, r in runs):>14.0f}"
              f"   <= 60 s {ok(secs <= 60)}  ({secs / peer_s:.1f}x the peer's import)")
    print(f"   {'peer cold import simple_icd_10_cm':<38}{peer_s:>9.2f}{max(r for _, r in peer):>14.0f}"
          "   (context: it parses the XML at every import)")
    return peer_s


def section_cold(n: int, pycache: Path) -> None:
    print(f"\n2. Cold whole-process lookup of {CODE} ({n} runs each after 1 warm-up; wall ms)")
    # The inherited environment may set PYTHONDONTWRITEBYTECODE (it does here): icdkit, installed
    # editable, then recompiles its modules at every start, while pip wrote the peer's .pyc files.
    # So each command also runs with bytecode cached in a temp PYTHONPYCACHEPREFIX (as after a
    # normal install). The warm-up fills that cache.
    inherited = "PYTHONDONTWRITEBYTECODE=1" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "env as is"
    cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cached["PYTHONPYCACHEPREFIX"] = str(pycache)
    ours = [ICDKIT, "lookup", CODE, "--json"], '"title": "Panniculitis'
    peer = [sys.executable, "-c", PEER_LOOKUP], "Panniculitis"
    cmds = {
        f"icdkit lookup --json ({inherited})": (*ours, None),
        "icdkit lookup --json (bytecode cached)": (*ours, cached),
        f"peer python -c ({inherited})": (*peer, None),
        "peer python -c (bytecode cached)": (*peer, cached),
        "python -c pass (interpreter floor)": ([sys.executable, "-c", "pass"], "", None),
    }
    times: dict[str, list[float]] = {}
    for label, (cmd, expect, env) in cmds.items():
        wall(cmd, expect, env)  # warm-up: OS file cache, bytecode cache; store built by section 1
        times[label] = [wall(cmd, expect, env) * 1000 for _ in range(n)]
    print(f"   {'command':<50}{'median':>9}{'p90':>9}{'min':>9}")
    for label, xs in times.items():
        print(f"   {label:<50}{statistics.median(xs):>9.1f}{p90(xs):>9.1f}{min(xs):>9.1f}")
    med = [statistics.median(v) for v in times.values()]
    for what, i in ((inherited, 0), ("bytecode cached", 1)):
        ratio = med[i + 2] / med[i]
        print(f"   ratio peer / icdkit, median, {what}: {ratio:.1f}x   target >= 10x {ok(ratio >= 10)}")


def peer_pass(cm: Any, sample: list[str]) -> float:
    describe, leaf = cm.get_description, cm.is_leaf
    ancestors, excludes1 = cm.get_ancestors, cm.get_excludes1
    t = time.perf_counter()
    for c in sample:
        anc = ancestors(c)
        ex = list(excludes1(c))
        for a in anc:
            ex.extend(excludes1(a))
        _ = (describe(c), leaf(c), anc, ex)
    return time.perf_counter() - t


def icdkit_pass(kb: Any, sample: list[str]) -> float:
    t = time.perf_counter()
    for c in sample:
        node = kb.get(c)
        _ = (node.title, node.billable, kb.ancestors(c), kb.effective_notes(c, kinds=EX1))
    return time.perf_counter() - t


def compare(kb: Any, cm: Any, sample: list[str]) -> None:
    """Count where the two libraries' answers differ (outside any timed loop), by likely cause."""
    bad: dict[str, list[str]] = {k: [] for k in ("title", "ancestors", "excludes1", "billable")}
    shadowed = stray = 0
    for c in sample:
        node, peer_anc, peer_title = kb.get(c), cm.get_ancestors(c), cm.get_description(c)
        ours_anc = [a.code for a in kb.ancestors(c)]
        if node.title != peer_title:
            bad["title"].append(f"{c}: icdkit {node.title!r} (kind {node.kind}) / peer {peer_title!r}")
            shadowed += node.kind == "block"  # icdkit: the category's row lost to a same-named block
            stray += peer_title.startswith(node.title + "/")  # peer: glues a stray sevenChrDef note on
        if ours_anc != peer_anc:
            bad["ancestors"].append(f"{c}: icdkit {ours_anc} / peer {peer_anc}")
        ours = len(kb.effective_notes(c, kinds=EX1))
        theirs = sum(len(cm.get_excludes1(x)) for x in [c, *peer_anc])
        if ours != theirs:
            bad["excludes1"].append(f"{c}: icdkit {ours} / peer {theirs}")
        if node.billable != cm.is_leaf(c):
            bad["billable"].append(f"{c}: icdkit billable {node.billable} / peer is_leaf {cm.is_leaf(c)}")
    print(f"   answers compared on the {len(sample):,} codes (mismatch counts):")
    print(f"     title {len(bad['title'])} (icdkit code shown as a block: {shadowed}; peer appends a "
          f"stray 7th-character note: {stray}; other: {len(bad['title']) - shadowed - stray})")
    print(f"     ancestors {len(bad['ancestors'])}, effective Excludes1 count {len(bad['excludes1'])}, "
          f"billable vs is_leaf {len(bad['billable'])}")
    for kind, rows in bad.items():
        for row in rows[:2] + [r for r in rows[2:] if "kind block" in r][:1]:
            print(f"     e.g. {kind}: {row}")


def section_hot(store_dir: Path, n: int, reps: int, seed: int) -> None:
    print(f"\n3. Hot in-process lookups: {n:,} random codes (seed {seed}), title + billable + ancestors "
          f"+ effective Excludes1; median of {reps}")
    t = time.perf_counter()
    import simple_icd_10_cm as cm

    peer_import = time.perf_counter() - t
    from icdkit import KnowledgeBase

    pool = sorted({c for c in cm.get_all_codes(with_dots=True) if "-" not in c and not c.isdigit()})
    sample = random.Random(seed).sample(pool, n)
    peer = statistics.median(peer_pass(cm, sample) for _ in range(reps))
    fresh, preload, hot, again = [], [], [], []
    for _ in range(reps):
        t = time.perf_counter()
        kb = KnowledgeBase.open(cache_dir=store_dir)
        fresh.append(time.perf_counter() - t + icdkit_pass(kb, sample))
        kb.close()
        kb = KnowledgeBase.open(cache_dir=store_dir)
        t = time.perf_counter()
        kb.preload()
        preload.append(time.perf_counter() - t)
        hot.append(icdkit_pass(kb, sample))
        again.append(icdkit_pass(kb, sample))  # same codes again: per-code memos are warm
        kb.close()
    f, pre, h, h2 = (statistics.median(x) for x in (fresh, preload, hot, again))
    print(f"   {'library / mode':<52}{'lookups/s':>11}{'vs peer':>9}")
    rows = [
        (f"peer (after its in-process import: {peer_import:.2f} s)", peer),
        ("icdkit, fresh KnowledgeBase (auto preload inside)", f),
        (f"icdkit after explicit kb.preload() (preload: {pre:.2f} s)", h),
        ("icdkit preloaded, second pass over the same codes", h2),
        ("icdkit explicit preload, preload time included", h + pre),
    ]
    for label, secs in rows:
        print(f"   {label:<52}{n / secs:>11,.0f}{peer / secs:>8.2f}x")
    print(f"   per lookup: peer {peer / n * 1e6:.1f} us, icdkit preloaded {h / n * 1e6:.1f} us;"
          f"   target icdkit (preloaded) >= peer {ok(h <= peer)}")
    kb = KnowledgeBase.open(cache_dir=store_dir)
    compare(kb, cm, sample)


def git_state() -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                             capture_output=True, text=True, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions and codes (smoke run)")
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    reps, cold_n, hot_n = (1, 3, 5_000) if args.quick else (3, 15, 20_000)
    import icdkit

    print(f"bench_kb {'--quick ' if args.quick else ''}at {dt.datetime.now():%Y-%m-%d %H:%M}")
    print(f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"icdkit {icdkit.__version__} (git {git_state()}), simple-icd-10-cm {version('simple-icd-10-cm')}")
    with tempfile.TemporaryDirectory(prefix="icdkit-bench-") as tmp:
        os.environ["ICDKIT_CACHE_DIR"] = tmp  # for the icdkit subprocesses
        section_build(Path(tmp), reps)
        section_cold(cold_n, Path(tmp) / "pycache")
        section_hot(Path(tmp), hot_n, reps, args.seed)
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f} (a busy machine inflates every figure)")


if __name__ == "__main__":
    main()
