"""The batch's optional native accelerator, chosen at import (the msgpack / PyYAML pattern).

The C kernels (``rules/native``, built by ``pip install`` when a compiler is there) let the
columnar checker (columnar.py) write a chunk of JSON Lines results at once. Without them — no
compiler at install, or ``ICDKIT_PUREPYTHON=1`` in the environment — every row goes through
the rules one at a time (check.py), the reference the columnar checker is tested against byte
for byte: slower, never different.

>>> isinstance(AVAILABLE, bool)
True
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from icdkit import store
from icdkit.errors import IcdkitError
from icdkit.rules.check import Checker
from icdkit.rules.tables_version import STAGE, version
from icdkit.store import Arrays, Stage

ENV = "ICDKIT_PUREPYTHON"


def _native_wanted() -> bool:
    """Whether the kernels are built and not refused by ``ICDKIT_PUREPYTHON``."""
    if os.environ.get(ENV, "").strip() not in ("", "0"):
        return False
    try:
        from icdkit.rules import _native  # noqa: F401  (the accelerator, when it was built)
    except ImportError:
        return False
    return True


#: True when the columnar checker and its native kernels serve JSON Lines batches.
AVAILABLE = _native_wanted()

if TYPE_CHECKING:
    from icdkit.rules.columnar import Columnar

_columnar: WeakKeyDictionary[Checker, Columnar] = WeakKeyDictionary()  # lives as long as its checker


def columnar_for(checker: Checker) -> Columnar | None:
    """*checker*'s columnar checker, made once, or None when the accelerator is not there."""
    if not AVAILABLE:
        return None
    got = _columnar.get(checker)
    if got is None:
        from icdkit.rules.columnar import Columnar  # (numpy and the kernels: when a batch runs)

        got = _columnar[checker] = Columnar(checker)
    return got


def stages() -> tuple[Stage, ...]:
    """What a store is built with for the columnar checker: its rule tables (tables.py); none
    without the accelerator, which alone reads them (a store built so is completed when an
    accelerated process asks for them). Cheap: nothing is compiled unless the store builds."""
    return (Stage(STAGE, version(), _compile_tables),) if AVAILABLE else ()


def _compile_tables(path: Path) -> Arrays:
    from icdkit.rules.tables import compile_tables  # (numpy and the kernels: only to compile)

    return compile_tables(path)


def ensure_tables(checker: Checker) -> None:
    """Make sure *checker*'s store holds its rule tables (completing it once if it lacks them),
    so batch workers load them rather than each compiling its own; nothing to do without the
    accelerator."""
    if AVAILABLE:
        with contextlib.suppress(IcdkitError, OSError):  # a read-only store: each worker compiles
            store.complete(checker.kb.path, stages())
