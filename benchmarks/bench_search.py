"""Search relevance and latency: icdkit against icd10-coder on the same queries, same run.

Measures, for the development set (benchmarks/search/queries.tsv) and the held-out set
(benchmarks/search/holdout.tsv, not read while tuning), and the classes of misses of issue 16
(benchmarks/search/classes.tsv: half-typed words, combinations, numbers, with/without, 7th
characters, other coding vocabularies):

* top-1 / top-5 / top-10 accuracy, overall and per kind of query (a hit is the expected code,
  or its 7th-character completion; see benchmarks/search/relevance.py);
* in-process latency p50 / p95 of ``KnowledgeBase.search`` with the full FY2026 release, and of
  ``autocomplete`` on every prefix (2+ letters) of each query's last word, with top-10 accuracy
  when the last word is only half typed;
* the same accuracy and latency for icd10-coder 0.2.3's ``cm_search`` (the peer), when installed
  (``pip install -e '.[bench]'``).

Targets (issue 4): top-1 >= 80 %, top-10 >= 95 %, search p95 <= 20 ms, autocomplete p95 <= 10 ms.

Run: .venv/bin/python benchmarks/bench_search.py
"""

from __future__ import annotations

import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent / "search"
sys.path.insert(0, str(HERE))

import relevance  # noqa: E402

from icdkit import KnowledgeBase  # noqa: E402

Search = Callable[[str], list[str]]


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def run(search: Search, queries: list[relevance.Query]) -> dict[str, object]:
    ranks: list[int | None] = []
    times: list[float] = []
    for q in queries:
        t0 = time.perf_counter()
        codes = search(q.query)
        times.append((time.perf_counter() - t0) * 1000)
        ranks.append(relevance.hit_rank(q.expected, codes))
    by_kind: dict[str, list[int | None]] = {}
    for q, r in zip(queries, ranks, strict=True):
        by_kind.setdefault(q.kind, []).append(r)
    return {"ranks": ranks, "times": times, "by_kind": by_kind}


def top(ranks: list[int | None], k: int) -> float:
    return 100.0 * sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def autocomplete_run(kb: KnowledgeBase, queries: list[relevance.Query]) -> tuple[list[float], float]:
    """Latency of every prefix of each query's last word; top-10 with the last word half typed."""
    times: list[float] = []
    half_hits = 0
    for q in queries:
        head, _, last = q.query.rpartition(" ")
        for n in range(2, len(last) + 1):
            text = f"{head} {last[:n]}".strip()
            t0 = time.perf_counter()
            results = kb.autocomplete(text, limit=10)
            times.append((time.perf_counter() - t0) * 1000)
            if n == max(2, (len(last) + 1) // 2):
                half_hits += relevance.hit_rank(q.expected, [r.code for r in results]) is not None
    return times, 100.0 * half_hits / len(queries)


def peer() -> Search | None:
    try:
        import peer_icd10_coder

        peer_icd10_coder.peer_search("warm up")
    except ImportError:
        return None
    return lambda text: peer_icd10_coder.peer_search(text, 10)


def report(name: str, queries: list[relevance.Query], mine: dict[str, object],
           theirs: dict[str, object] | None) -> None:
    print(f"\n== {name}: {len(queries)} queries")
    print(f"{'':16}{'icdkit top1/5/10':>24}   {'icd10-coder top1/5/10':>24}")
    rows = [("overall", mine["ranks"], theirs["ranks"] if theirs else None)]
    kinds = mine["by_kind"]
    assert isinstance(kinds, dict)
    for kind in relevance.KINDS:
        if kind in kinds:
            rows.append((f"  {kind} ({len(kinds[kind])})", kinds[kind],
                         theirs["by_kind"][kind] if theirs else None))  # type: ignore[index]
    for label, a, b in rows:
        left = " ".join(f"{top(a, k):5.1f}%" for k in (1, 5, 10))  # type: ignore[arg-type]
        right = " ".join(f"{top(b, k):5.1f}%" for k in (1, 5, 10)) if b else "(peer not installed)"  # type: ignore[arg-type]
        print(f"{label:16}{left:>24}   {right:>24}")
    mt = mine["times"]
    assert isinstance(mt, list)
    line = f"latency ms       icdkit p50 {pct(mt, 50):.2f} p95 {pct(mt, 95):.2f}"
    if theirs:
        tt = theirs["times"]
        assert isinstance(tt, list)
        line += (f"   icd10-coder p50 {pct(tt, 50):.2f} p95 {pct(tt, 95):.2f}"
                 f"   (p95 ratio {pct(tt, 95) / pct(mt, 95):.1f}x)")
    print(line)


def main() -> None:
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.system()}")
    t0 = time.perf_counter()
    kb = KnowledgeBase.open("FY2026")
    kb.search("warm up")
    print(f"open FY2026 + first search: {time.perf_counter() - t0:.2f} s")
    other = peer()
    sets = [("queries.tsv (development)", relevance.load(HERE / "queries.tsv")),
            ("holdout.tsv (held out)", relevance.load(HERE / "holdout.tsv")),
            ("classes.tsv (issue 16 classes)", relevance.load(HERE / "classes.tsv"))]
    for name, queries in sets:
        mine = run(lambda text: [r.code for r in kb.search(text, limit=10)], queries)
        theirs = run(other, queries) if other else None
        report(name, queries, mine, theirs)
    times, half = autocomplete_run(kb, sets[0][1] + sets[1][1])
    print(f"\nautocomplete: {len(times)} prefixes, p50 {pct(times, 50):.2f} ms, p95 {pct(times, 95):.2f} ms; "
          f"top-10 with the last word half typed: {half:.1f}%")


if __name__ == "__main__":
    main()
