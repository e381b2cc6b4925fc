"""Where knowledge bases live, which releases exist, and building them on first use.

The store is a directory (default: the user cache dir, e.g. ``~/.cache/icdkit``; override
with ``ICDKIT_CACHE_DIR`` or a ``cache_dir`` argument) holding ``icdkit-<release>.sqlite``
files. Bundled releases (``icdkit/data/releases/<release>/``) are built on first use;
releases a user built from CMS files with ``icdkit build --source`` sit beside them.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from icdkit.build.schema import SCHEMA_VERSION
from icdkit.errors import IncompatibleStore, InvalidInput, UnknownRelease
from icdkit.models import ReleaseInfo

if TYPE_CHECKING:
    from icdkit.build.compile import Progress

BUNDLED = Path(__file__).resolve().parent / "data" / "releases"
ENV_CACHE = "ICDKIT_CACHE_DIR"


def cache_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The store directory: *override*, else ``$ICDKIT_CACHE_DIR``, else the user cache dir."""
    if override:
        return Path(override).expanduser()
    if os.environ.get(ENV_CACHE):
        return Path(os.environ[ENV_CACHE]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "icdkit"


def normalise_release(name: str) -> str:
    """``2026``, ``fy2026``, ``FY2026`` → ``FY2026``."""
    m = re.fullmatch(r"(?:fy)?\s*(\d{4})", name.strip(), re.IGNORECASE)
    if not m:
        raise InvalidInput(f"malformed release {name!r}: expected a fiscal year such as FY2026 or 2026")
    return f"FY{m[1]}"


def bundled_releases() -> list[str]:
    return sorted(p.name for p in BUNDLED.iterdir() if p.is_dir() and p.name.startswith("FY"))


def db_path(release: str, directory: Path) -> Path:
    return directory / f"icdkit-{release}.sqlite"


def read_meta(path: Path) -> dict[str, str]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return dict(con.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.DatabaseError as exc:
        raise IncompatibleStore(f"{path}: not an icdkit knowledge base ({exc})") from exc
    finally:
        con.close()


def is_current(path: Path) -> bool:
    """True when *path* exists and was built with this schema version."""
    if not path.exists():
        return False
    try:
        return read_meta(path).get("schema_version") == str(SCHEMA_VERSION)
    except IncompatibleStore:
        return False


def releases(directory: Path) -> list[ReleaseInfo]:
    """Every release that can be opened: bundled ones and those built into *directory*."""
    found: dict[str, ReleaseInfo] = {}
    for r in bundled_releases():
        p = db_path(r, directory)
        label = read_meta(p).get("label", r) if is_current(p) else r
        found[r] = ReleaseInfo(r, label, True, is_current(p), str(p))
    if directory.exists():
        for p in sorted(directory.glob("icdkit-FY*.sqlite")):
            r = p.stem.removeprefix("icdkit-")
            if r not in found and is_current(p):
                found[r] = ReleaseInfo(r, read_meta(p).get("label", r), False, True, str(p))
    return sorted(found.values(), key=lambda i: i.release)


def default_release(directory: Path) -> str:
    """The newest release available (bundled or built)."""
    return releases(directory)[-1].release


def resolve(release: str | None, directory: Path) -> str:
    """Validate a release name against what is available; ``None`` means the newest."""
    if release is None:
        return default_release(directory)
    name = normalise_release(release)
    known = [i.release for i in releases(directory)]
    if name not in known:
        raise UnknownRelease(
            f"unknown release {name}: available are {', '.join(known)}; "
            f"add one with `icdkit build --release {name} --source <CMS files>`"
        )
    return name


def ensure(release: str, directory: Path, progress: Progress | None = None) -> Path:
    """Return the path of *release*'s knowledge base, building it if missing or stale.

    Bundled releases are rebuilt from the package's files; a user-built release is rebuilt
    from the source paths recorded when it was built, if they still exist.
    """
    path = db_path(release, directory)
    if is_current(path):
        return path
    from icdkit.build.compile import build_release
    from icdkit.build.sources import discover

    if release in bundled_releases():
        sources = [BUNDLED / release]
    else:
        recorded = read_meta(path).get("source_paths") if path.exists() else None
        sources = [Path(p) for p in json.loads(recorded)] if recorded else []
        if not sources or not all(p.exists() for p in sources):
            raise IncompatibleStore(
                f"{path} was built by an incompatible icdkit version and its source files are "
                f"gone; rebuild it with `icdkit build --release {release} --source <CMS files>`"
            )
    build_release(discover(sources), path, progress)
    return path
