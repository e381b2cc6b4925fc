"""The chunked pair screen (rules/pair_screen.py) against the one-pair screen it vectorises.

For rows of random FY2026 codes (with repeats, and codes governed by nothing), the pairs the
numpy screen returns must be exactly the ordered pairs whose second code lies in a live cell
of the first code's Governing, found by bisecting the key strings (``Governing.cell``), with
the same cell contents. Integer ranks stand in for keys there, so an off-by-one in the rank of
a cut, or a row offset, would show.
"""

from __future__ import annotations

import random

import pytest

pytest.importorskip("icdkit.rules._native", reason="the optional C accelerator was not built")

import numpy as np

from icdkit import KnowledgeBase
from icdkit.rules.governing_notes import Cell
from icdkit.rules.pair_screen import Screen
from icdkit.rules.rule_cache import RuleCache


def _contents(c: Cell) -> tuple[object, ...]:
    return c.excludes, c.exact, c.found, c.named


def test_chunk_screen_agrees_with_bisection(kb: KnowledgeBase) -> None:
    cache = RuleCache(kb)
    rnd = random.Random(11)
    keys = list(kb.code_keys())
    billable = [c.key for c in kb.iter_codes(billable_only=True)]
    # a pool that meets often, so rows share governing screens, cells and codes
    pool = rnd.sample(billable, 400) + rnd.sample(keys, 100)
    rows = [[rnd.choice(pool) for _ in range(rnd.randint(1, 12))] for _ in range(600)]
    spellings = [[cache.spelling(k) for k in row] for row in rows]
    flat = [s for row in spellings for s in row]
    screen = Screen(kb.code_keys())
    gids = np.array([screen.gid(s.governing) for s in flat], dtype=np.int64)
    ranks = np.array([screen.rank(s.key or "") for s in flat], dtype=np.int64)
    firsts, seconds, ids = screen.live(gids, ranks, np.array([len(r) for r in rows], dtype=np.int64))
    got = [(i, j, screen.cells[c])
           for i, j, c in zip(firsts.tolist(), seconds.tolist(), ids.tolist(), strict=True)]
    # the same pairs, row by row, from the string bisection of each Governing
    expected = []
    start = 0
    for row in spellings:
        for i, a in enumerate(row):
            for j, b in enumerate(row):
                cell = a.governing.cell(b.key or "") if i != j else None
                if cell is not None:
                    expected.append((start + i, start + j, _contents(cell)))
        start += len(row)
    assert all(c is not None for _, _, c in got)  # live() returns live cells, worked out
    assert [(i, j, _contents(c)) for i, j, c in got] == expected
    assert len(expected) > 500  # the pool is dense enough that many pairs are related


def test_ranks_order_as_keys(kb: KnowledgeBase) -> None:
    keys = kb.code_keys()
    assert list(keys) == sorted(keys) and len(set(keys)) == len(keys)
    rank = kb.code_ranks()
    assert len(rank) == len(keys) and all(rank[k] == i for i, k in enumerate(keys))
