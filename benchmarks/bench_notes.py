"""Note coding benchmark: code-level precision, recall and F1, the share of notes with no
forbidden code, and throughput, over ``benchmarks/notes/notes.jsonl`` (one note a line:
``{"id", "setting", "venue", "specialty", "age", "sex", "date", "text", "expected", "forbidden",
"why"}``).

    python benchmarks/bench_notes.py [NOTES.jsonl] [--show] [--limit N] [--words 300]

Throughput is measured twice on one core with the tables preloaded: over the notes as they
are (mean length about 70 words), and over long notes made by joining consecutive notes of the
set until each has at least ``--words`` words (several visits' sections in one text, so the
mix of diagnoses stays the set's own). Each figure is given in wall-clock time and in the
process's CPU time: on a machine other jobs share, the CPU time is the one-core figure.

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
    ap.add_argument("--words", type=int, default=300, help="length of the long notes timed (0: none)")
    args = ap.parse_args()
    rows = [json.loads(x) for x in args.notes.read_text().splitlines() if x.strip()]
    if args.limit:
        rows = rows[:args.limit]
    kb = KnowledgeBase.open()
    kb.preload()  # as a server or batch would: the code tables in memory before timing
    code_note("Assessment: hypertension", kb=kb)  # warm: searcher, finder, checker
    tp = fp = fn = clean = 0
    words = 0
    seconds = cpu = 0.0
    for row in rows:
        t0, c0 = time.perf_counter(), time.process_time()
        result = code_note(row["text"], setting=row.get("setting", "outpatient"), date=row.get("date"),
                           age=row.get("age"), sex=row.get("sex"), kb=kb)
        seconds += time.perf_counter() - t0
        cpu += time.process_time() - c0
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
    print(f"throughput, notes as they are (mean {words / n:.0f} words): {n / seconds:.1f} notes/s wall, "
          f"{n / cpu:.1f} notes/s CPU; {words / cpu:.0f} words/s CPU, one core")
    if args.words:
        long_notes = joined(rows, args.words)
        lw = sum(len(t.split()) for t in long_notes)
        t0, c0 = time.perf_counter(), time.process_time()
        for text in long_notes:
            code_note(text, kb=kb)
        wall, used = time.perf_counter() - t0, time.process_time() - c0
        m = len(long_notes)
        print(f"throughput, {m} notes of ≥ {args.words} words (mean {lw / m:.0f}): "
              f"{m / wall:.1f} notes/s wall, {m / used:.1f} notes/s CPU; "
              f"at exactly {args.words} words ≈ {lw / used / args.words:.1f} notes/s CPU, one core")


def joined(rows: list[dict[str, object]], words: int) -> list[str]:
    """Long notes: consecutive notes of the set joined until each has at least *words* words
    (the last, shorter remainder is dropped)."""
    out: list[str] = []
    parts: list[str] = []
    count = 0
    for row in rows:
        text = str(row["text"])
        parts.append(text)
        count += len(text.split())
        if count >= words:
            out.append("\n\n".join(parts))
            parts, count = [], 0
    return out


if __name__ == "__main__":
    sys.exit(main())
