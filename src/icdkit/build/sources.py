"""Find the release files in a folder or in CMS zip files, whatever the year.

A source is a folder, a zip file, or several of either. We look at every file inside
(recursing into folders and zips, reading ``.gz`` transparently) and recognise:

* the Tabular List XML — root element ``ICD10CM.tabular``; its ``<version>`` names the
  fiscal year, and a month in the file name (``April-1-2026``) marks a mid-year update;
* an order file — ``*order*.txt`` in the CMS fixed-width layout;
* the Index and Tables — root ``ICD10CM.index`` (Alphabetic Index, External Cause Index, Drug
  and Neoplasm Tables, told apart by their headings), or the flattened Index CSV.

Nothing here assumes a year: FY2027 or FY2030 files are found the same way.
"""

from __future__ import annotations

import gzip
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

from icdkit.build.index import CSV_HEADER, sniff_book
from icdkit.errors import BuildError

Opener = Callable[[], IO[bytes]]

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
_MONTHS = {m.lower(): i for i, m in enumerate(MONTHS, 1)}


@dataclass(frozen=True, slots=True)
class SourceFile:
    name: str  # path (inside a zip: zip path + '!' + member)
    open: Opener

    def text_lines(self) -> Iterator[str]:
        with self.open() as raw:
            yield from io.TextIOWrapper(raw, encoding="utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class ReleaseSource:
    """The files one release is built from."""

    tabular: SourceFile
    version: str  # fiscal year from the tabular XML, e.g. '2026'
    effective: str  # ISO date from which this release's codes apply
    order: SourceFile | None
    paths: tuple[str, ...] = ()  # the folders / zips / files the user pointed at
    index: tuple[tuple[str, SourceFile], ...] = ()  # (book, file): index, eindex, drug, neoplasm

    @property
    def release(self) -> str:
        return f"FY{self.version}"

    @property
    def label(self) -> str:
        """'FY2026 (April 1, 2026 update)', or 'FY2027 (October 1, 2026)' for a new year."""
        y, m, d = self.effective.split("-")
        if m == "10" and d == "01":
            return f"FY{self.version} (October 1, {y})"
        return f"FY{self.version} ({MONTHS[int(m) - 1]} {int(d)}, {y} update)"

    def files(self) -> list[SourceFile]:
        return [f for f in (self.tabular, self.order, *(f for _, f in self.index)) if f is not None]


class _OwningGzip(gzip.GzipFile):
    """A GzipFile that also closes the stream it reads from (a zip member, a file)."""

    def __init__(self, inner: IO[bytes]) -> None:
        super().__init__(fileobj=inner, mode="rb")
        self._inner = inner

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._inner.close()


def _gunzip(opener: Opener) -> Opener:
    return lambda: cast(IO[bytes], _OwningGzip(opener()))


def _walk(path: Path) -> Iterator[SourceFile]:
    if path.is_dir():
        for p in sorted(path.rglob("*")):
            if p.is_file():
                yield from _walk(p)
    elif path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.namelist() if not m.endswith("/")]
        for m in members:
            def opener(m: str = m) -> IO[bytes]:
                return zipfile.ZipFile(path).open(m)
            yield from _wrap(f"{path}!{m}", opener)
    else:
        yield from _wrap(str(path), lambda: path.open("rb"))


def _wrap(name: str, opener: Opener) -> Iterator[SourceFile]:
    if name.lower().endswith(".gz"):
        yield SourceFile(name[:-3], _gunzip(opener))
    else:
        yield SourceFile(name, opener)


def _sniff_root(f: SourceFile) -> str:
    m = re.search(r"<(ICD10CM\.[a-z]+)", _head(f))
    return m[1] if m else ""


def _tabular_version(f: SourceFile) -> str:
    with f.open() as fh:
        head = fh.read(65536).decode("utf-8", errors="replace")
    m = re.search(r"<version>\s*(\d{4})\s*</version>", head)
    if not m:
        raise BuildError(f"{f.name}: tabular XML has no <version>")
    return m[1]


def effective_date(version: str, filename: str) -> str:
    """The date a release takes effect: a month named in the file name, else 1 October.

    >>> effective_date("2026", "icd10cm-tabular-April-1-2026.xml")
    '2026-04-01'
    >>> effective_date("2027", "icd10cm-tabular-2027.xml")
    '2026-10-01'
    """
    base = Path(filename.split("!")[-1]).name.lower()
    m = re.search(r"(" + "|".join(_MONTHS) + r")[-_ ]?(?:(\d{1,2})[-_ ])?(\d{4})", base)
    if m:
        return f"{m[3]}-{_MONTHS[m[1]]:02d}-{int(m[2] or 1):02d}"
    return f"{int(version) - 1}-10-01"


def _head(f: SourceFile) -> str:
    with f.open() as fh:
        return fh.read(4096).decode("utf-8", errors="replace")


def _index_book(f: SourceFile, low: str) -> str | None:
    """Which index book *f* holds ('index', 'eindex', 'drug', 'neoplasm'), or None."""
    if low.endswith(".xml"):
        return sniff_book(_head(f), low)
    if low.endswith(".csv") and _head(f).lstrip("\ufeff").startswith(",".join(CSV_HEADER)):
        return "index-csv"
    return None


def find_index(files: list[SourceFile]) -> tuple[tuple[str, SourceFile], ...]:
    """The index books among *files*; the official index XML wins over the flattened CSV."""
    found: dict[str, SourceFile] = {}
    for f in files:
        book = _index_book(f, Path(f.name.split("!")[-1]).name.lower())
        if book:
            found.setdefault(book, f)
    if "index" in found:
        found.pop("index-csv", None)
    return tuple(sorted(found.items()))


def discover(paths: list[Path], effective: str | None = None) -> ReleaseSource:
    """Find one release's files among *paths* (folders, zips, files)."""
    tabulars: list[SourceFile] = []
    orders: list[SourceFile] = []
    others: list[SourceFile] = []
    for path in paths:
        if not path.exists():
            raise BuildError(f"source not found: {path}")
        for f in _walk(path):
            low = Path(f.name.split("!")[-1]).name.lower()
            if low.endswith(".xml") and _sniff_root(f) == "ICD10CM.tabular":
                tabulars.append(f)
            elif low.endswith(".txt") and "order" in low and "addenda" not in low:
                orders.append(f)
            elif low.endswith((".xml", ".csv")):
                others.append(f)
    if not tabulars:
        raise BuildError(
            f"no Tabular List XML (root <ICD10CM.tabular>) found in {', '.join(map(str, paths))}"
        )
    if len(tabulars) > 1:
        names = ", ".join(t.name for t in tabulars)
        raise BuildError(f"more than one Tabular List XML found ({names}); give one release at a time")
    tab = tabulars[0]
    version = _tabular_version(tab)
    return ReleaseSource(
        tabular=tab,
        version=version,
        effective=effective or effective_date(version, tab.name),
        order=orders[0] if orders else None,
        paths=tuple(str(p.resolve()) for p in paths),
        index=find_index(others),
    )


def walk(path: Path) -> list[SourceFile]:
    """Every file under *path* (folder, zip or file), ``.gz`` read transparently."""
    return list(_walk(path))
