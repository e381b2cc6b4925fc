"""Where knowledge bases live, which releases exist, and building them on first use.

The store is a directory (default: the user cache dir, e.g. ``~/.cache/icdkit``; override
with ``ICDKIT_CACHE_DIR`` or a ``cache_dir`` argument) holding ``icdkit-<release>.sqlite``
files. Bundled releases (``icdkit/data/releases/<release>/``) are built on first use;
releases a user built from CMS files with ``icdkit build --source`` sit beside them.

Each store is built into a temp file in the same directory and renamed into place when
complete, with its SHA-256 beside it (``icdkit-<release>.sqlite.sha256``); a build holds the
release's lock file (``.icdkit-<release>.lock``), so two first uses at once build once.
:func:`health` checks a store against its checksum (``icdkit doctor``, server start).

A store also holds tables that layers above the facts compile from them — the rules' tables
(``icdkit.rules.rule_tables``), which the batch evaluator loads rather than compiles. The store
cannot import those layers (they sit above it), so a layer that opens or builds a store hands
its compile step down as a :class:`Stage`: a name, the version of the code that compiles, and a
function from the finished facts (the store file) to named arrays. The build runs each stage
on its temp file before taking the checksum, so the tables are covered by it; a store built
without a stage, or by another version of it, is *completed* once (:func:`complete`: a copy
with the stage's tables added, checksummed and renamed into place under the build lock) when a
layer asks for it with the stage.

    ensure("FY2026", directory, stages=(rule_tables,))   # built, or completed, with the tables
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from icdkit.build import checksum
from icdkit.build.schema import SCHEMA_VERSION
from icdkit.errors import (
    DamagedStore,
    IcdkitError,
    IncompatibleStore,
    InvalidInput,
    UnknownRelease,
    UnwritableStore,
)
from icdkit.models import ReleaseInfo

if TYPE_CHECKING:
    import numpy.typing as npt

    from icdkit.build.compile import Progress
    from icdkit.build.sources import ReleaseSource

BUNDLED = Path(__file__).resolve().parent / "data" / "releases"
ENV_CACHE = "ICDKIT_CACHE_DIR"

Arrays = dict[str, "npt.NDArray[Any]"]


@dataclass(frozen=True, slots=True)
class Stage:
    """Tables a layer above the facts compiles from a built store, kept inside it (see the
    module): *compile* takes the store file, every fact in it, and gives named arrays; a store
    whose tables of *name* were compiled by another *version* is completed afresh."""

    name: str
    version: str
    compile: Callable[[Path], Arrays]


def holds(path: Path, stages: tuple[Stage, ...]) -> bool:
    """Whether the store *path* holds the tables of every stage, compiled by its version."""
    if not stages:
        return True
    meta = read_meta(path)
    return all(meta.get(f"compiled:{s.name}") == s.version for s in stages)


def read_compiled(con: sqlite3.Connection, name: str, version: str, *, only: Sequence[str] | None = None,
                  skip: str = "") -> Arrays | None:
    """The tables of stage *name* in the store open on *con*, or None when it holds none
    compiled by *version* (arrays over the stored bytes: read-only): those named in *only* when
    given, and none whose name starts with *skip* when that is given (a stage's tables read
    when first needed, e.g. the rules' text pieces by block)."""
    where, args = "", [name]
    if only is not None:
        where = f" AND name IN ({', '.join('?' * len(only))})"
        args.extend(only)
    elif skip:
        where = " AND substr(name, 1, ?) != ?"
        args.extend((str(len(skip)), skip))
    try:
        got = con.execute("SELECT value FROM meta WHERE key=?", (f"compiled:{name}",)).fetchone()
        if got is None or got[0] != version:
            return None
        sql = f"SELECT name, dtype, shape, data FROM compiled WHERE stage=?{where}"
        rows = con.execute(sql, args).fetchall()
    except sqlite3.DatabaseError:
        return None
    import numpy as np  # (here: a store opened for lookups alone does without numpy)

    return {k: np.frombuffer(data, dtype=np.dtype(dtype)).reshape(
        tuple(int(n) for n in shape.split(",") if n)) for k, dtype, shape, data in rows}


def _compile_into(path: Path, stages: tuple[Stage, ...], progress: Progress | None = None,
                  step: str | None = None) -> None:
    """Run each stage on the store file *path* (not yet renamed into place) and write its tables
    and version into it, reporting *step* (a build's last: "finish"), else each stage's name."""
    for i, stage in enumerate(stages):
        if progress is not None:
            progress(step or f"{stage.name} tables", 0.95 + 0.04 * i / len(stages))
        arrays = stage.compile(path)
        import numpy as np  # (here: a store opened for lookups alone does without numpy)

        con = sqlite3.connect(path)
        try:
            con.execute("DELETE FROM compiled WHERE stage=?", (stage.name,))
            con.executemany("INSERT INTO compiled VALUES (?, ?, ?, ?, ?)", (
                (stage.name, k, v.dtype.str, ",".join(map(str, v.shape)), np.ascontiguousarray(v).tobytes())
                for k, v in arrays.items()))
            con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                        (f"compiled:{stage.name}", stage.version))
            con.commit()
        finally:
            con.close()


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
        label = read_meta(p).get("label", r) if is_current(p) else _bundled_label(r)
        found[r] = ReleaseInfo(r, label, True, is_current(p), str(p))
    if directory.exists():
        for p in sorted(directory.glob("icdkit-FY*.sqlite")):
            r = p.stem.removeprefix("icdkit-")
            if r not in found and is_current(p):
                found[r] = ReleaseInfo(r, read_meta(p).get("label", r), False, True, str(p))
    return sorted(found.values(), key=lambda i: i.release)


def _bundled_label(release: str) -> str:
    """The label a bundled release will carry once built, from its files' names."""
    from icdkit.build.sources import discover

    try:
        return discover([BUNDLED / release]).label
    except IcdkitError:
        return release


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


@dataclass(frozen=True, slots=True)
class Health:
    """What ``icdkit doctor`` says of one store.

    ``status``: ``ok`` (matches its build checksum), ``damaged`` (differs from it, has none,
    or cannot be read), ``stale`` (built by another schema version: rebuilt on next use) or
    ``absent`` (a bundled release not built yet: built on first use).
    """

    release: str
    path: str
    status: str
    detail: str
    bundled: bool

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "absent", "stale")

    def to_dict(self) -> dict[str, object]:
        return {"release": self.release, "path": self.path, "status": self.status,
                "detail": self.detail, "bundled": self.bundled}


def health(path: Path, release: str | None = None) -> Health:
    """Check the store *path* against the checksum recorded when it was built."""
    release = release or path.name.removeprefix("icdkit-").removesuffix(".sqlite")
    bundled = release in bundled_releases()

    def said(status: str, detail: str) -> Health:
        return Health(release, str(path), status, detail, bundled)

    if not path.exists():
        return said("absent", "not built yet: built on first use" if bundled else "not built")
    want = checksum.recorded(path)
    if want is None:
        return said("damaged", f"no build checksum ({checksum.sidecar(path).name} is missing)")
    try:
        got = checksum.digest(path)
    except OSError as exc:
        return said("damaged", f"unreadable: {exc.strerror or exc}")
    if got != want:
        return said("damaged", "its content differs from the checksum recorded when it was built")
    try:
        meta = read_meta(path)
    except IncompatibleStore as exc:
        return said("damaged", str(exc))
    if meta.get("schema_version") != str(SCHEMA_VERSION):
        return said("stale", f"schema {meta.get('schema_version')}, this icdkit reads "
                    f"{SCHEMA_VERSION}: rebuilt on next use")
    _vouch(path)
    return said("ok", f"{meta.get('label', release)}, matches its build checksum")


def _stamp(path: Path) -> Path:
    return path.with_name(f".{path.name}.verified")


def _file_state(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def vouched(path: Path) -> bool:
    """True when *path* is the very file last found to match its checksum (same size,
    modification and change times, inode): any write to it since — a flipped byte — or a
    copy put in its place makes the next open check the checksum again. Costs two stats."""
    try:
        return bool(json.loads(_stamp(path).read_text(encoding="ascii")) == _file_state(path))
    except (OSError, ValueError):
        return False


def _vouch(path: Path) -> None:
    with contextlib.suppress(OSError):  # a read-only store directory: check again next time
        _stamp(path).write_text(json.dumps(_file_state(path)), encoding="ascii")


def stores(directory: Path) -> list[Health]:
    """The health of every bundled release's store and every store found in *directory*."""
    names = set(bundled_releases())
    if directory.is_dir():
        names.update(p.stem.removeprefix("icdkit-") for p in directory.glob("icdkit-FY*.sqlite"))
    return [health(db_path(r, directory), r) for r in sorted(names)]


def leftovers(directory: Path, release: str = "FY*") -> list[Path]:
    """Temporary files a killed build left behind (removed by the next build)."""
    if not directory.is_dir():
        return []
    return sorted([*directory.glob(f".icdkit-{release}.sqlite.*.tmp"),
                   *directory.glob(f".icdkit-{release}.sqlite{checksum.SUFFIX}.*.tmp")])


@contextlib.contextmanager
def build_lock(release: str, directory: Path) -> Iterator[None]:
    """Hold the build lock of *release* in *directory*: a second builder waits here, then
    finds the store built. Raises :class:`UnwritableStore` when the directory cannot hold it."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fh = open(directory / f".icdkit-{release}.lock", "a+b")  # noqa: SIM115 - held until the end
    except OSError as exc:
        raise UnwritableStore(_cannot_write(release, directory, exc)) from None
    try:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no lock, builds stay atomic
            pass
        else:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        yield
    finally:
        fh.close()  # closing releases the lock


def _cannot_write(release: str, directory: Path, exc: OSError) -> str:
    why = "not a directory" if directory.exists() and not directory.is_dir() else exc.strerror or str(exc)
    return (f"cannot build {release} in {directory}: {why}; give a writable directory with "
            f"--cache-dir or ICDKIT_CACHE_DIR")


def build(src: ReleaseSource, directory: Path, progress: Progress | None = None,
          stages: tuple[Stage, ...] = ()) -> dict[str, str]:
    """Build *src* into *directory* under its build lock, first removing what a killed
    build left behind, with the tables of *stages*. Returns the stored metadata."""
    with build_lock(src.release, directory):
        return _build(src, directory, progress, stages)


def _build(src: ReleaseSource, directory: Path, progress: Progress | None,
           stages: tuple[Stage, ...]) -> dict[str, str]:
    from icdkit.build.compile import build_release

    try:
        for p in leftovers(directory, src.release):
            p.unlink(missing_ok=True)
        meta = build_release(src, db_path(src.release, directory), progress,
                             (lambda tmp: _compile_into(tmp, stages, progress, "finish")) if stages else None)
        _vouch(db_path(src.release, directory))
        return meta
    except (OSError, sqlite3.OperationalError) as exc:
        err = exc if isinstance(exc, OSError) else OSError(str(exc))
        raise UnwritableStore(_cannot_write(src.release, directory, err)) from None


def complete(path: Path, stages: tuple[Stage, ...], progress: Progress | None = None) -> Path:
    """Add to the store *path* the tables of the *stages* it lacks (or holds from another
    version of their code): a copy of it gets them, its checksum is recorded and it is renamed
    into place, under the store's build lock. Returns *path*.

    Raises :class:`DamagedStore` when the store differs from its recorded checksum (it is not
    blessed with a new one) and :class:`UnwritableStore` when its directory is read-only; the
    caller then compiles in memory (a read-only store keeps working, only slower to start)."""
    release = path.name.removeprefix("icdkit-").removesuffix(".sqlite")
    with build_lock(release, path.parent):
        missing = tuple(s for s in stages if not holds(path, (s,)))
        if not missing:
            return path  # completed by another process while this one waited
        if not vouched(path) and checksum.recorded(path) not in (None, checksum.digest(path)):
            raise DamagedStore(f"{path} differs from its build checksum; rebuild it with `icdkit build`")
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            shutil.copyfile(path, tmp)
            _compile_into(tmp, missing, progress)
            checksum.write(path, checksum.digest(tmp))
            os.replace(tmp, path)
        except (OSError, sqlite3.OperationalError) as exc:
            tmp.unlink(missing_ok=True)
            err = exc if isinstance(exc, OSError) else OSError(str(exc))
            raise UnwritableStore(_cannot_write(release, path.parent, err)) from None
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _vouch(path)
    return path


def ensure(release: str, directory: Path, progress: Progress | None = None, *,
           verify: bool = False, say: Callable[[str], None] | None = None,
           stages: tuple[Stage, ...] = ()) -> Path:
    """Return the path of *release*'s knowledge base, building it if missing or stale, with
    the tables of *stages* (added by :func:`complete` to a store that lacks them).

    Bundled releases are rebuilt from the package's files; a user-built release is rebuilt
    from the source paths recorded when it was built, if they still exist. Two processes
    asking at once build once: the second waits on the build lock, then opens the store.

    The store is checked against its build checksum when it changed since it was last
    found sound (see :func:`vouched`), and always with *verify* (as ``icdkit serve`` does):
    a damaged bundled store is rebuilt (saying so through *say*), a damaged user-built one
    refused with :class:`DamagedStore`.
    """
    path = db_path(release, directory)
    if is_current(path) and ((not verify and vouched(path)) or health(path, release).status == "ok"):
        return path if holds(path, stages) else complete(path, stages, progress)
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(build_lock(release, directory))
        except UnwritableStore as exc:
            state = health(path, release)
            if state.status == "damaged":  # what is wrong first, then why it cannot be fixed here
                raise DamagedStore(f"{path} is damaged ({state.detail}), and {exc}") from None
            raise
        if is_current(path):  # built by another process while this one waited?
            state = health(path, release)
            if state.status == "ok":
                held.close()  # (complete takes the lock itself)
                return path if holds(path, stages) else complete(path, stages, progress)
            if release not in bundled_releases():
                raise DamagedStore(f"{path} is damaged ({state.detail}); it is not used. Rebuild "
                                   f"it with `icdkit build --release {release} --source <CMS files>`")
            (say or _log)(f"icdkit: {path} is damaged ({state.detail}); rebuilding it")
        _build(_sources(release, path), directory, progress, stages)
    return path


def _sources(release: str, path: Path) -> ReleaseSource:
    from icdkit.build.sources import discover

    if release in bundled_releases():
        return discover([BUNDLED / release])
    recorded = read_meta(path).get("source_paths") if path.exists() else None
    sources = [Path(p) for p in json.loads(recorded)] if recorded else []
    if not sources or not all(p.exists() for p in sources):
        raise IncompatibleStore(
            f"{path} was built by an incompatible icdkit version and its source files are "
            f"gone; rebuild it with `icdkit build --release {release} --source <CMS files>`"
        )
    return discover(sources)


def _log(message: str) -> None:
    logging.getLogger("icdkit").warning(message)
