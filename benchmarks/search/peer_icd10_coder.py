"""Peer adapter: free-text ICD-10-CM search of the PyPI package ``icd10-coder`` 0.2.3.

API called: ``icd10_coder.coder.cm_search(conn, query, limit)`` — the function behind the package's
``icd10-coder dx "<text>"`` command (and the CM half of its auto-routing). ``conn`` is a
``sqlite3`` connection to the bundled ``icd10_coder/data/icd10cm.db`` (path ``coder.CM_DB``); one
connection is opened lazily and reused. ``cm_search`` returns ``(code_dot, long_name, billable)``
rows; this adapter returns only the codes, in rank order.

How the peer ranks (read from its source): (1) exact, case-insensitive match of the whole query
against a code's long title; (2) FTS5 phrase match; (3) FTS5 AND of the tokens; (4) FTS5 OR of the
first 10 tokens; each stage ordered by bm25, earlier stages first, duplicates dropped. Tokens are
``\\w+`` runs of 2+ characters (single digits kept). It searches code titles only: no Alphabetic
Index, no Drug/Neoplasm tables, no External Cause index, no synonyms, abbreviations or typo
tolerance.

Caveats:
- Codes come back already dotted (``code_dot`` column, e.g. ``M54.2``, ``T39.1X1A``); we only
  normalise case/whitespace and add the dot if a row ever lacks one.
- Results mix billable codes and non-billable headers (categories/subcategories such as ``E11``);
  they are returned as ranked.
- Data is CMS **FY2025** ICD-10-CM (97,584 rows, 74,260 billable — the FY2025 valid-code count),
  not FY2026: FY2026 additions (e.g. ``G35.A``–``G35.D``) are absent, so those queries cannot hit.
- Only English text is used here; the peer's Korean translation (``-k``) is not exercised.
- The package must be importable by the interpreter running the benchmark, e.g.
  ``python3 -m venv /tmp/peer-venv && /tmp/peer-venv/bin/pip install icd10-coder==0.2.3`` and run
  ``/tmp/peer-venv/bin/python benchmarks/search/relevance.py``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

_CONN: sqlite3.Connection | None = None


def _coder() -> Any:
    from icd10_coder import coder  # imported lazily so relevance.py can load without the peer

    return coder


def _conn() -> sqlite3.Connection:
    global _CONN
    if _CONN is None:
        _CONN = sqlite3.connect(_coder().CM_DB, check_same_thread=False)
    return _CONN


def _dotted(code: str) -> str:
    c = code.strip().upper()
    if "." in c or len(c) <= 3:
        return c
    return f"{c[:3]}.{c[3:]}"


def peer_search(query: str, limit: int = 10) -> list[str]:
    """Top ``limit`` ICD-10-CM codes (dotted, rank order) for free text, from ``icd10-coder``."""
    if not query.strip():
        return []
    rows = _coder().cm_search(_conn(), query, limit)
    out: list[str] = []
    for row in rows:
        code = _dotted(str(row[0]))
        if code not in out:
            out.append(code)
    return out[:limit]
