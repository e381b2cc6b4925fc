"""The same query ranks the same codes in every process, whatever PYTHONHASHSEED is."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from icdkit import KnowledgeBase

# Queries whose equal-scored siblings used to swap between processes (a float sum over a set's
# iteration order): 'heartburn' K21.9 / K21.00, 'AKI on CKD' N17.8 / N17.0, 'colon cancer' C18.x.
QUERIES = ["heartburn", "AKI on CKD", "colon cancer", "neck pain", "fracture of femur", "diabetes",
           "otitis media", "sprained ankle", "pneumonia", "lung cancer"]
_SCRIPT = """
import json, sys
from icdkit import KnowledgeBase
kb = KnowledgeBase(sys.argv[1])
queries = json.loads(sys.argv[2])
print(json.dumps([[(r.code, round(r.score, 6)) for r in kb.search(q, limit=10)] for q in queries]))
"""


def test_rankings_do_not_depend_on_the_hash_seed(kb: KnowledgeBase) -> None:
    runs = []
    for seed in ("0", "1", "2", "3", "4", "5"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        r = subprocess.run([sys.executable, "-c", _SCRIPT, str(kb.path), json.dumps(QUERIES)],
                           capture_output=True, text=True, env=env, check=True)
        runs.append(json.loads(r.stdout))
    assert all(run == runs[0] for run in runs[1:])
    here = [[[r.code, round(r.score, 6)] for r in kb.search(q, limit=10)] for q in QUERIES]
    assert here == runs[0]


def test_concurrent_searches_run_on_a_bounded_pool_and_agree_with_one_at_a_time(kb: KnowledgeBase) -> None:
    """Threads searching one knowledge base at once each get a searcher of their own (no global
    lock), at most SEARCHERS of them, and the answers are those of searching one at a time."""
    from concurrent.futures import ThreadPoolExecutor

    from icdkit import workbench

    fresh = workbench.KnowledgeBase(kb.path)
    queries = ["neck pain", "chf", "acetaminophen overdose", "fracture of femur", "migrane", "type 2 dm"] * 8
    alone = {q: [r.code for r in kb.search(q)] for q in set(queries)}
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda q: (q, [r.code for r in fresh.search(q)]), queries))
    assert all(alone[q] == codes for q, codes in together)
    assert 1 < fresh._searchers <= workbench.SEARCHERS
    fresh.close()
