"""Test session setup shared by tests/ and the doctests in src/.

Knowledge bases are built once per run into one store (a temp dir, or ``$ICDKIT_TEST_CACHE``
to reuse one between runs) that every test, doctest and CLI subprocess uses.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def pytest_configure(config: pytest.Config) -> None:
    store = os.environ.get("ICDKIT_TEST_CACHE") or tempfile.mkdtemp(prefix="icdkit-test-")
    os.environ["ICDKIT_CACHE_DIR"] = store


@pytest.fixture(scope="session")
def store_dir() -> Path:
    return Path(os.environ["ICDKIT_CACHE_DIR"])


@pytest.fixture(scope="session")
def kb():  # type: ignore[no-untyped-def]
    """The newest bundled release (FY2026)."""
    from icdkit import KnowledgeBase

    with KnowledgeBase.open("FY2026") as k:
        yield k


@pytest.fixture(scope="session")
def kb25():  # type: ignore[no-untyped-def]
    from icdkit import KnowledgeBase

    with KnowledgeBase.open("FY2025") as k:
        yield k


@pytest.fixture(scope="session")
def server(kb) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A real `icdkit serve` process on a free loopback port (FY2026); yields its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    proc = subprocess.Popen([sys.executable, "-m", "icdkit.cli", "serve", "--port", str(port)],
                            env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/health", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                assert time.monotonic() < deadline, "server did not start within 60 s"
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
