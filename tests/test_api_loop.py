"""Another release's first use never stalls the event loop (issue 18).

A request for ``?release=FY2025``, or a lookup with a date that consults the release in force
then (``kb.other``), opens that release and reads its tables into memory (seconds). That work
runs in the thread pool: meanwhile ``/health`` keeps answering at once. Before, the lookup ran
on the event loop and the read of the other release's tables stopped every request.
"""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from icdkit import kb as facts

STALL = 1.0  # seconds: reading a release's tables takes 3-5 s, a /health answer ~1 ms


async def _scenario(app: FastAPI, codes: list[str]) -> tuple[list[float], list[int]]:
    transport = httpx.ASGITransport(app=app)
    waits: list[float] = []
    statuses: list[int] = []
    async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=60) as c:
        done = asyncio.Event()

        async def ping() -> None:  # a wait counts from when the ping was due, its sleep done
            due = time.perf_counter()
            while not done.is_set():
                r = await c.get("/health")
                assert r.status_code == 200
                waits.append(time.perf_counter() - due)
                due = time.perf_counter() + 0.01
                await asyncio.sleep(0.01)

        async def other_release() -> None:
            for i in range(0, len(codes), 8):
                batch = codes[i:i + 8]
                got = await asyncio.gather(
                    *(c.get(f"/api/codes/{k}", params={"date": "2025-03-01"}) for k in batch[:4]),
                    *(c.get(f"/api/codes/{k}", params={"release": "FY2025"}) for k in batch[4:]))
                statuses.extend(r.status_code for r in got)
            done.set()

        await asyncio.gather(ping(), other_release())
    return waits, statuses


def test_first_use_of_another_release_leaves_the_loop_free(api_app: FastAPI, kb: Any,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    served = api_app.state.releases
    default = served.get(None)
    default._others.pop("FY2025", None)  # as after a start: the release in force on a date unopened
    served._served.pop("FY2025", None)  # and ?release=FY2025 not asked for yet
    monkeypatch.setattr(facts, "_AUTO_PRELOAD_AFTER", 40)  # the other release's tables are read soon
    codes = [k for k in kb.code_keys() if kb.find(k).billable][:400:5]
    gc.collect()
    gc.freeze()  # as `icdkit serve` does: the test process's other knowledge bases leave the scans
    try:
        waits, statuses = asyncio.run(_scenario(api_app, codes))
    finally:
        gc.unfreeze()
    other = default.other("FY2025")
    with other._preloading:  # a thread may still be reading them (its request answered 503)
        assert other._preloaded  # the date lookups did read FY2025's tables
    assert served.opened("FY2025") is not None
    assert set(statuses) <= {200, 404, 503} and statuses.count(200) > len(statuses) // 2
    assert len(waits) > 5 and max(waits) < STALL, sorted(waits)[-5:]
