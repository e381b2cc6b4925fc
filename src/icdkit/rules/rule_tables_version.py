"""The name and version under which the rule tables (rule_tables.py) are kept in a knowledge base.

Cheap to import (no numpy, no kernels): a command that only opens a store checks with these
whether it holds the rule tables of this icdkit, and compiles nothing.

>>> STAGE, len(version())
('rules', 16)
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from icdkit import __version__

STAGE = "rules"  # the tables' name in the store (store.Stage)
_SOURCE = Path(__file__).resolve().parent.parent  # the icdkit package


@functools.cache
def version() -> str:
    """The version of the code that compiles the tables: a digest of icdkit's sources (any
    change to them may change what a rule says), so a store compiled by other sources is
    completed afresh rather than read wrongly (~2 ms, once per process)."""
    digest = hashlib.sha256(__version__.encode())  # (an install without its .py files still differs)
    for source in sorted(_SOURCE.rglob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]
