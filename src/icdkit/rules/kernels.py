"""The columnar evaluator's kernels, one interface with two implementations chosen at import
(the msgpack / PyYAML pattern): the C accelerator (``_native``, built from rules/native by
``pip install`` when a compiler is there) or the same functions in Python and numpy
(pure_kernels.py). ``ICDKIT_PUREPYTHON=1`` in the environment forces the pure ones. Both give
the same results, so the evaluator writes the same bytes either way (tests/test_kernels.py,
tests/test_evaluator_equivalence.py); the accelerator is only faster.

* ``read``: a chunk's rows -> the rows kept and their codes' numbers (``index``: a lookup
  structure over the numbers, native only);
* ``pairs``: the pair screen of a chunk (screen.Screen.live);
* ``lines``: the chunk's JSON Lines text from its finding records, with the piece texts in an
  ``arena`` (``arena_sync`` keeps it in step with pieces.Pieces.text).

The evaluator calls them through this module (``kernels.lines(...)``), so a test can put one
set in place of the other.

>>> isinstance(NATIVE, bool) and callable(lines)
True
"""

from __future__ import annotations

import os

ENV = "ICDKIT_PUREPYTHON"
NAMES = ("arena", "arena_sync", "index", "lines", "pairs", "read")


def _native_wanted() -> bool:
    """Whether the C kernels are built and not refused by ``ICDKIT_PUREPYTHON``."""
    if os.environ.get(ENV, "").strip() not in ("", "0"):
        return False
    try:
        from icdkit.rules import _native  # noqa: F401  (the accelerator, when it was built)
    except ImportError:
        return False
    return True


#: True when the C kernels serve the evaluator, False for the pure ones
NATIVE = _native_wanted()

if NATIVE:
    from icdkit.rules._native import arena, arena_sync, index, lines, pairs, read
else:
    from icdkit.rules.pure_kernels import arena, arena_sync, index, lines, pairs, read

__all__ = ["ENV", "NAMES", "NATIVE", "arena", "arena_sync", "index", "lines", "pairs", "read"]
