"""Check the relevance files against the FY2026 knowledge base.

For every row of ``queries.tsv`` and ``holdout.tsv``: each expected code exists in FY2026; the
``chapter`` column is the chapter of the first expected code; each expected code is billable, or
is the stem of a billable 7th-character completion (``T39.1X1`` -> ``T39.1X1A``, ``W11`` ->
``W11.XXXA``, ``O32.1`` -> ``O32.1XX0``); no query appears twice (within or across the files).

Run: .venv/bin/python benchmarks/search/check_expected.py   (exit 1 on any problem)
"""

from __future__ import annotations

import sys
from pathlib import Path

from icdkit import KnowledgeBase

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from relevance import load  # noqa: E402

SEVENTH = "A0123456789BCDEFGHJKMPQS"


def _completes_to_billable(kb: KnowledgeBase, code: str) -> bool:
    bare = code.replace(".", "").ljust(6, "X")
    for ch in SEVENTH:
        try:
            if kb.get(f"{bare[:3]}.{bare[3:]}{ch}").billable:
                return True
        except Exception:
            continue
    return False


def main() -> int:
    kb = KnowledgeBase.open()
    problems: list[str] = []
    seen: dict[str, str] = {}
    total = 0
    for name in ("queries.tsv", "holdout.tsv"):
        for q in load(HERE / name):
            total += 1
            key = " ".join(q.query.lower().split())
            if key in seen:
                problems.append(f"{name}: duplicate query {q.query!r} (also in {seen[key]})")
            seen[key] = name
            for i, code in enumerate(q.expected):
                try:
                    c = kb.get(code)
                except Exception as exc:
                    problems.append(f"{name}: {q.query!r}: {code} not in {kb.release}: {exc}")
                    continue
                if i == 0 and int(c.chapter) != q.chapter:
                    problems.append(f"{name}: {q.query!r}: chapter {q.chapter} but {code} is in {c.chapter}")
                if not c.billable and not _completes_to_billable(kb, code):
                    problems.append(f"{name}: {q.query!r}: {code} is a non-billable header ({c.title})")
    for p in problems:
        print(p)
    print(f"{total} queries checked against {kb.release}: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
