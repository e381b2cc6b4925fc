"""Fixtures shared by the HTTP API's test modules (tests/test_api_*.py)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="session")
def api_app(kb: Any) -> Any:
    """One app over FY2026 for every API test module: each app preloads its own copy of the
    tables (~0.5 GB), so one per module added up to an out-of-memory kill of the test run."""
    from icdkit import KnowledgeBase
    from icdkit.api.app import create_app

    return create_app(KnowledgeBase(kb.path))
