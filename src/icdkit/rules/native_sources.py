"""The digest of the C accelerator's sources (rules/native/*.c, *.h), stdlib only: setup.py
compiles it into the module (``_native.SOURCES``) and kernels.py compares it with the sources
beside the package, so a module built from older sources (an editable install whose checkout
moved on: ``pip install -e .`` not rerun) is refused instead of called with the wrong
arguments.

>>> digest(Path(__file__).parent / "native") == digest(Path(__file__).parent / "native")
True
>>> digest(Path("/nonexistent")) is None
True
"""

from __future__ import annotations

import hashlib
from pathlib import Path

PATTERNS = ("*.c", "*.h")


def digest(directory: Path) -> str | None:
    """SHA-256 (hex, first 16) over the names and bytes of the C sources in *directory*; None
    when there are none (an installed wheel ships the built module, not its sources) or one
    cannot be read."""
    files = sorted(p for pattern in PATTERNS for p in directory.glob(pattern))
    if not files:
        return None
    h = hashlib.sha256()
    try:
        for p in files:
            h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    except OSError:  # a source unreadable: no digest to compare (every command must still start)
        return None
    return h.hexdigest()[:16]
