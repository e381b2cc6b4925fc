"""Memory stays bounded by size under a flood of unique inputs (issue 18).

Every memo a request can fill is an :class:`icdkit.memo.Memo`, bounded by bytes. The flood
test shrinks every live memo's limit (so a short flood overruns them all), sends unique
inputs through the app (codes in new spellings, made-up words to search and complete, Index
terms, encounters with made-up codes and dates) and checks each memo's byte estimate stayed
under its limit while the flood did reach it (it had to forget entries). The estimate itself
is checked against what the allocator really spent (tracemalloc).
"""

from __future__ import annotations

import random
import string
import tracemalloc
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from icdkit import memo
from icdkit.memo import Memo, approx_size, bounded
from icdkit.vocabulary import stem

SMALL = 64 << 10  # bytes each memo may hold during the flood


def _word(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(n))


def test_a_memo_keeps_under_its_byte_limit_and_weighs_long_entries_more() -> None:
    short: Memo[str, str] = Memo("test.short", 1 << 16)
    long: Memo[str, str] = Memo("test.long", 1 << 16)
    for i in range(5000):
        short[f"w{i}"] = "x"
        long[f"w{i}" + "y" * 500] = "x"
        assert short.bytes <= short.limit and long.bytes <= long.limit
    assert short.forgotten and long.forgotten
    assert len(long) * 3 < len(short)  # a count bound alone would have kept as many
    assert short.bytes == sum(approx_size(k) + approx_size(v) + memo.ENTRY for k, v in short.items())
    big: Memo[str, str] = Memo("test.big", 1000)
    big["k"] = "v" * 2000  # larger than the whole memo: answered, never kept
    assert not big and big.bytes == 0


def test_the_byte_estimate_follows_what_the_allocator_spends() -> None:
    rng = random.Random(18)
    keys = [_word(rng, rng.randint(5, 300)) for _ in range(4000)]
    values = [(stem(k), [k[:3]] * 3) for k in keys]
    m: Memo[str, object] = Memo("test.measured", 1 << 30)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for k, v in zip(keys, values, strict=True):
            m[k] = v
        spent = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # the keys and values existed before: the allocator spent the dict's table; the estimate
    # counts them all as the memo's (an over-estimate: the bound errs on the safe side)
    assert spent <= m.bytes
    held = sum(approx_size(k) + approx_size(v) for k, v in zip(keys, values, strict=True))
    assert m.bytes <= held + 4000 * (memo.ENTRY + 8)


def test_threads_storing_into_one_memo_at_once_never_fail() -> None:
    """A server's lane thread and its thread pool fill the same memos: two trims at once once
    raised KeyError (a 500 in a 10-minute soak), checking an entry then deleting it."""
    import sys
    import threading

    shared: Memo[int, int] = Memo("race", 4000, weigh=lambda k, v: 100)
    failures: list[BaseException] = []

    def store(seed: int) -> None:
        try:
            for i in range(50_000):
                shared[(seed * 1_000_003 + i) % 5000] = i
        except Exception as exc:  # any failure is the finding
            failures.append(exc)

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=store, args=(s,)) for s in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(switch)
    assert not failures, failures[:3]
    assert 0 < len(shared) * 100 <= 2 * shared.limit


def test_a_bounded_function_memo_forgets_and_still_answers() -> None:
    calls = []

    @bounded("test.function", 4096)
    def shout(text: str) -> str:
        calls.append(text)
        return text.upper()

    for i in range(300):
        assert shout(f"pain {i}") == f"PAIN {i}"
    assert shout.memo.bytes <= 4096 and shout.memo.forgotten  # type: ignore[attr-defined]
    assert shout("pain 299") == "PAIN 299" and calls.count("pain 299") == 1


@pytest.fixture(scope="module")
def client(api_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(api_app) as c:
        c.get("/api/search", params={"q": "neck pain"})  # the searcher and its memos exist
        c.post("/api/check", json={"codes": ["M54.2"]})  # the checker and its memos too
        yield c


def test_a_flood_of_unique_inputs_keeps_every_memo_under_its_bytes(client: TestClient) -> None:
    live = memo.live()
    names = {m.name for m in live}
    for name in ("kb.keys", "kb.effective_notes", "search.postings", "search.typos",
                 "search.printed_stems", "search.docs", "rules.spellings", "vocabulary.stems",
                 "vocabulary.words"):
        assert name in names, name
    limits = {id(m): m.limit for m in live}
    forgotten = {id(m): m.forgotten for m in live}
    rng = random.Random(1018)
    try:
        for m in live:
            m.resize(min(m.limit, SMALL))
        for i in range(400):
            made_up = _word(rng, rng.randint(6, 40))
            spelling = rng.choice(["m54.0", "M540", " m54.0", "m 54.0"]) + str(i % 10) + " " * (i % 7)
            assert client.get(f"/api/codes/{spelling.strip()}{'x' * (i % 3)}").status_code in (200, 404, 400)
            query = f"{made_up} fracture {_word(rng, 9)}"
            assert client.get("/api/search", params={"q": query}).status_code == 200
            assert client.get("/api/autocomplete", params={"q": f"neck {made_up[:5]}"}).status_code == 200
            assert client.get("/api/index", params={"term": made_up}).status_code in (200, 404)
            day = f"20{rng.randint(16, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            body = {"codes": [f"Z{rng.randint(0, 99):02d}.{made_up[:3]}", "M54.2"], "date": day,
                    "age": rng.randint(0, 99)}
            assert client.post("/api/check", json=body).status_code in (200, 400, 422)
            for m in live:
                assert m.bytes <= m.limit, m
        grew = {m.name for m in live if m.forgotten > forgotten[id(m)]}
        for name in ("kb.keys", "search.typos", "search.printed_stems", "rules.spellings",
                     "vocabulary.stems", "vocabulary.words"):
            assert name in grew, f"the flood did not reach {name}: {grew}"
    finally:
        for m in live:
            m.resize(limits[id(m)])
