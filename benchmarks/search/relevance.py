"""Relevance set for ICD-10-CM free-text search: loader, hit test, and a peer baseline run.

Files (tab-separated, header ``query  expected  kind  chapter  rationale``):

- ``queries.tsv``  development set (tune against it);
- ``holdout.tsv``  unseen set (do not read while tuning; report on it);
- ``classes.tsv``  the classes of misses of issue 16 (kept apart so the first two stay comparable).

``expected`` holds one or more dotted codes separated by ``|`` (any of them counts as a hit).
Codes that need a 7th character are written as the Index/Table gives them (``T39.1X1``, ``W11``,
``S72.90``); a result that is the 7-character completion of the expected code padded with the
placeholder X (``T39.1X1A``, ``W11.XXXA``, ``S72.90XA``) also counts. ``S52.5`` does *not*
accept ``S52.501A`` (a different, more specific code).

Run the peer baseline (needs ``icd10-coder`` importable, see ``peer_icd10_coder.py``)::

    /tmp/peer-venv/bin/python benchmarks/search/relevance.py [queries.tsv|holdout.tsv ...]
"""

from __future__ import annotations

import csv
import importlib
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
KINDS = ("lay", "clinical", "index", "abbreviation", "typo", "plural", "drug", "neoplasm", "eindex", "zcode",
         # issue 16's classes (classes.tsv): half-typed words, a code typed as query, combinations
         # needing two codes, numbers (BMI, stage), with/without/not, 7th characters, vocabulary of
         # other coding systems (late effect, Roman numerals, word forms, other parts)
         "partial", "code", "combination", "number", "negation", "seventh", "vocabulary")
COLUMNS = ["query", "expected", "kind", "chapter", "rationale"]


@dataclass(frozen=True)
class Query:
    query: str
    expected: tuple[str, ...]
    kind: str
    chapter: int
    rationale: str


def load(path: str | Path) -> list[Query]:
    """Read a relevance TSV into ``Query`` records (validates header, kind and chapter)."""
    out: list[Query] = []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        if reader.fieldnames != COLUMNS:
            raise ValueError(f"{path}: header must be {COLUMNS}, got {reader.fieldnames}")
        for n, row in enumerate(reader, start=2):
            kind = row["kind"].strip()
            if kind not in KINDS:
                raise ValueError(f"{path}:{n}: unknown kind {kind!r}")
            chapter = int(row["chapter"])
            if not 1 <= chapter <= 22:
                raise ValueError(f"{path}:{n}: chapter {chapter} out of range")
            expected = tuple(c.strip().upper() for c in row["expected"].split("|") if c.strip())
            if not expected:
                raise ValueError(f"{path}:{n}: no expected code")
            out.append(Query(row["query"].strip(), expected, kind, chapter, row["rationale"].strip()))
    return out


def _bare(code: str) -> str:
    return code.strip().upper().replace(".", "")


def matches(expected: str, result: str) -> bool:
    """True if ``result`` is ``expected`` or its 7th-character completion (X-padded to 6 first)."""
    e, r = _bare(expected), _bare(result)
    if not e or not r:
        return False
    if r == e:
        return True
    return len(r) == 7 and len(e) <= 6 and r.startswith(e.ljust(6, "X"))


def hit_rank(expected: Iterable[str], results: list[str]) -> int | None:
    """1-based rank of the first result matching any expected code, or None."""
    exp = tuple(expected)
    for rank, res in enumerate(results, start=1):
        if any(matches(e, res) for e in exp):
            return rank
    return None


@dataclass
class _Tally:
    n: int = 0
    top1: int = 0
    top5: int = 0
    top10: int = 0

    def add(self, rank: int | None) -> None:
        self.n += 1
        if rank is not None:
            self.top1 += rank <= 1
            self.top5 += rank <= 5
            self.top10 += rank <= 10

    def row(self, label: str) -> str:
        def pct(k: int) -> str:
            return f"{100.0 * k / self.n:5.1f}%" if self.n else "   n/a"

        return f"{label:<14}{self.n:>5}  {pct(self.top1)}  {pct(self.top5)}  {pct(self.top10)}"


def _percentile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def evaluate(search: Callable[[str], list[str]], queries: list[Query], label: str) -> None:
    """Run ``search`` over ``queries`` and print top-1/5/10 and latency, overall and per kind."""
    overall = _Tally()
    per_kind: dict[str, _Tally] = {k: _Tally() for k in KINDS}
    lat_ms: list[float] = []
    for q in queries:
        t0 = time.perf_counter()
        results = search(q.query)
        lat_ms.append((time.perf_counter() - t0) * 1000.0)
        rank = hit_rank(q.expected, results)
        overall.add(rank)
        per_kind[q.kind].add(rank)
    print(f"\n== {label}: {len(queries)} queries")
    print(f"{'kind':<14}{'n':>5}  {'top1':>6}  {'top5':>6}  {'top10':>6}")
    print(overall.row("overall"))
    for k in KINDS:
        if per_kind[k].n:
            print(per_kind[k].row(k))
    print(f"latency ms: p50 {_percentile(lat_ms, 50):.2f}  p95 {_percentile(lat_ms, 95):.2f}")


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(HERE))
    peer = importlib.import_module("peer_icd10_coder")
    files = argv or ["queries.tsv"]
    peer.peer_search("warm up")  # open the peer's SQLite connection outside the timed loop
    for name in files:
        path = Path(name) if Path(name).exists() else HERE / name
        label = f"icd10-coder 0.2.3 on {path.name}"
        evaluate(lambda text: list(peer.peer_search(text, 10)), load(path), label)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
