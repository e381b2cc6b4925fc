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

import os
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from icdkit.rules.check import Checker

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

if AVAILABLE or TYPE_CHECKING:
    from icdkit.rules.columnar import Columnar
    from icdkit.rules.tables import Tables, saved_path

_columnar: WeakKeyDictionary[Checker, Columnar] = WeakKeyDictionary()  # lives as long as its checker


def columnar_for(checker: Checker) -> Columnar | None:
    """*checker*'s columnar checker, made once, or None when the accelerator is not there."""
    if not AVAILABLE:
        return None
    got = _columnar.get(checker)
    if got is None:
        got = _columnar[checker] = Columnar(checker)
    return got


def ensure_saved(checker: Checker) -> None:
    """Compile and save *checker*'s batch tables if its store lacks them (batch workers then
    load them, rather than each compiling its own); nothing to do without the accelerator."""
    if AVAILABLE and not saved_path(checker.kb.path).exists():
        Tables.open(checker)
