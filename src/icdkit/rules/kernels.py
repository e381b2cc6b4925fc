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
import sys
from pathlib import Path

from icdkit.rules.native_sources import digest

ENV = "ICDKIT_PUREPYTHON"
NAMES = ("arena", "arena_sync", "index", "lines", "pairs", "read")


def _native_wanted() -> bool:
    """Whether the C kernels are built, from the sources beside them (when those are there),
    and not refused by ``ICDKIT_PUREPYTHON``. A module built from other sources would be
    called with arguments it does not take: the pure kernels serve instead, and stderr says
    how to rebuild it."""
    if os.environ.get(ENV, "").strip() not in ("", "0"):
        return False
    try:
        from icdkit.rules import _native  # (the accelerator, when it was built)
    except ImportError:
        return False
    here = digest(Path(__file__).parent / "native")
    built = getattr(_native, "SOURCES", None)
    if here is not None and built != here:
        print(f"icdkit: the C accelerator was built from other sources ({built}, these are {here}); "
              "using the pure kernels — rebuild it with `pip install -e .`", file=sys.stderr)
        return False
    return True


#: True when the C kernels serve the evaluator, False for the pure ones
NATIVE = _native_wanted()

if NATIVE:
    from icdkit.rules._native import arena, arena_sync, index, lines, pairs, read
else:
    from icdkit.rules.pure_kernels import arena, arena_sync, index, lines, pairs, read

__all__ = ["ENV", "NAMES", "NATIVE", "arena", "arena_sync", "index", "lines", "pairs", "read"]
