"""Test session setup shared by tests/ and the doctests in src/.

Knowledge bases are built once per run into one store (a temp dir, or ``$ICDKIT_TEST_CACHE``
to reuse one between runs) that every test, doctest and CLI subprocess uses.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

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
