"""Note coding benchmark: code-level precision, recall and F1, the share of notes with no
forbidden code, and throughput, over ``benchmarks/notes/notes.jsonl`` (one note a line:
``{"id", "setting", "venue", "specialty", "age", "sex", "date", "text", "expected", "forbidden",
"why"}``).

    python benchmarks/bench_notes.py [NOTES.jsonl] [--show] [--limit N]

Targets (issue 17): F1 ≥ 0.85; no forbidden code in ≥ 95 % of notes; ≥ 50 notes/s for
300-word notes on one core. The notes are a development set: fix classes of errors, never
single notes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from icdkit import KnowledgeBase
from icdkit.notes import code_note

HERE = Path(__file__).resolve().parent
DEFAULT = HERE / "notes" / "notes.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notes", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--show", action="store_true", help="print each note's misses and extras")
    ap.add_argument("--limit", type=int, default=0, help="only the first N notes")
    args = ap.parse_args()
    rows = [json.loads(x) for x in args.notes.read_text().splitlines() if x.strip()]
    if args.limit:
        rows = rows[:args.limit]
    kb = KnowledgeBase.open()
    kb.preload()  # as a server or batch would: the code tables in memory before timing
    code_note("Assessment: hypertension", kb=kb)  # warm: searcher, finder, checker
    tp = fp = fn = clean = 0
    words = 0
    seconds = 0.0
    for row in rows:
        t0 = time.perf_counter()
        result = code_note(row["text"], setting=row.get("setting", "outpatient"), date=row.get("date"),
                           age=row.get("age"), sex=row.get("sex"), kb=kb)
        seconds += time.perf_counter() - t0
        words += len(row["text"].split())
        got = set(result.code_list)
        want = set(row["expected"])
        bad = got & set(row.get("forbidden", ()))
        tp += len(got & want)
        fp += len(got - want)
        fn += len(want - got)
        clean += not bad
        if args.show and (got != want or bad):
            print(f"{row['id']} [{row.get('setting')}] missed {sorted(want - got)} extra {sorted(got - want)}"
                  f"{' FORBIDDEN ' + str(sorted(bad)) if bad else ''}")
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    n = len(rows)
    print(f"notes {n} ({args.notes.name}), release {kb.release}")
    print(f"precision {p:.3f}  recall {r:.3f}  F1 {f1:.3f}  (tp {tp}, fp {fp}, fn {fn})")
    print(f"no forbidden code: {clean}/{n} = {clean / n:.1%}")
    print(f"throughput: {n / seconds:.1f} notes/s, {words / seconds:.0f} words/s "
          f"(mean {words / n:.0f} words a note; ≈ {words / seconds / 300:.1f} notes/s at 300 words), "
          "one core")


if __name__ == "__main__":
    sys.exit(main())
