"""The build checksum of a knowledge base: the SHA-256 of the finished SQLite file.

It is written beside the store as ``icdkit-<release>.sqlite.sha256`` in ``sha256sum``'s
format (so ``sha256sum -c`` can check it too) and compared by ``icdkit doctor``,
``icdkit build --verify`` and at server start. A flipped byte anywhere in the file — a title
on one of its pages, say — changes the digest; SQLite itself would read such a page without
complaint and serve the wrong title.

    write(store, digest(store))        # at build, before the store is renamed into place
    recorded(store) == digest(store)   # at check time; False once a byte has flipped
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

SUFFIX = ".sha256"


def sidecar(path: Path) -> Path:
    """Where the checksum of the store *path* is kept."""
    return path.with_name(path.name + SUFFIX)


def digest(path: Path) -> str:
    """The SHA-256 of the file *path*, as hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write(store: Path, hexdigest: str) -> None:
    """Record *hexdigest* as the checksum of *store* (atomically: temp file + rename)."""
    target = sidecar(store)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(f"{hexdigest}  {store.name}\n", encoding="ascii")
    os.replace(tmp, target)


def recorded(store: Path) -> str | None:
    """The checksum recorded for *store*, or None when there is none (or it is unreadable)."""
    try:
        text = sidecar(store).read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    first = text.split()[0] if text.split() else ""
    return first if len(first) == 64 else None
