"""The columnar evaluator of a checker's batches, and the rule tables every store is built with.

The evaluator (columnar.py) reads the rule tables compiled into the store (rule_tables.py) and runs
its kernels (kernels.py): the C accelerator when it was built, else the same functions in
Python and numpy (``ICDKIT_PUREPYTHON=1`` forces them) — one evaluator, the same bytes.

>>> from icdkit import KnowledgeBase
>>> columnar_for(Checker(KnowledgeBase.open())) is not None and len(stages()) == 1
True
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from icdkit import store
from icdkit.errors import IcdkitError
from icdkit.rules.check import Checker
from icdkit.rules.columnar import Columnar
from icdkit.rules.rule_tables_version import STAGE, version
from icdkit.store import Arrays, Stage


def columnar_for(checker: Checker) -> Columnar:
    """*checker*'s evaluator (its knowledge base's, made once: Checker.evaluator)."""
    return checker.evaluator


def stages() -> tuple[Stage, ...]:
    """What every store is built with: its rule tables (rule_tables.py). Cheap: nothing is compiled
    unless the store builds."""
    return (Stage(STAGE, version(), _compile_tables),)


def _compile_tables(path: Path) -> Arrays:
    from icdkit.rules.rule_tables import compile_tables  # (numpy: only to compile)

    return compile_tables(path)


def ensure_tables(checker: Checker) -> None:
    """Make sure *checker*'s store holds its rule tables (completing it once if it lacks them),
    so batch workers load them rather than each compiling its own."""
    with contextlib.suppress(IcdkitError, OSError):  # a read-only store: each worker compiles
        store.complete(checker.kb.path, stages())
