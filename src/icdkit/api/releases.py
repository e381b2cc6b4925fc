"""The releases a server answers from: the one it was started with, and others on request.

``?release=FY2025`` on any endpoint answers from that release's knowledge base, read-only. The
releases a code's answer consults (every bundled one) are opened at start, built first if need
be; any other is opened on first use, never built within a request (unbuilt or unknown: 404).
Opening and warming happen off the event loop (:meth:`Releases.opened` answers only what is
already open; the routes ask :meth:`Releases.served` in the thread pool otherwise), and until a
release is warmed (:attr:`Served.ready`) its requests run in the thread pool too: a first
request for another release never stalls the requests of every other one.
Every open store is watched: when its file is replaced (``icdkit build`` writes a new file),
a fresh :class:`~icdkit.workbench.KnowledgeBase` is opened and warmed in a background thread
and swapped in whole; until then requests keep the snapshot they had (the old file stays
readable through its open handle), so a rebuild while serving never gives a 500.

>>> from icdkit.workbench import KnowledgeBase
>>> served = Releases(KnowledgeBase.open())
>>> served.get(None).release == served.get("2026").release == "FY2026"
True
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from icdkit import store
from icdkit.errors import UnknownRelease
from icdkit.rules.check import Checker
from icdkit.workbench import KnowledgeBase

log = logging.getLogger("icdkit.api")

#: Work done on a release's knowledge base when it is opened or reopened, before it serves
#: (besides preload and search): e.g. a table a router keeps per release.
Warmer = Callable[[KnowledgeBase], object]

STAT_EVERY = 1.0  # seconds between looks at a store file
LIST_EVERY = 5.0  # seconds a listing of the store directory is trusted


def _identity(path: os.PathLike[str] | str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def warm(kb: KnowledgeBase, warmers: tuple[Warmer, ...] = (), *, freeze_gc: bool = False) -> None:
    """Build what the routes keep per release (*warmers*, in order), then read *kb*'s tables
    into memory (with *freeze_gc*, out of the collector's scans: see
    :meth:`KnowledgeBase.preload`). The warmers come first: a request that arrives while a
    release warms in the background waits for the one build of what it needs (the note
    coder's tables: ~2.5 s) instead of sharing the interpreter with the preload (~2.5 s more)."""
    kb.searcher()
    for step in warmers:
        step(kb)
    kb.preload(freeze_gc=freeze_gc)


class Served:
    """One release's knowledge base and checker, swapped whole when its file is replaced."""

    def __init__(self, kb: KnowledgeBase, *, warm: bool, warmers: tuple[Warmer, ...] = (),
                 freeze_gc: bool = False) -> None:
        self.kb = kb
        self.warmers = warmers
        self.freeze_gc = freeze_gc
        self.checker = Checker(kb)
        self.check_lock = threading.Lock()  # the checker's memos are not shared between threads
        self._identity = _identity(kb.path)
        self._looked = time.monotonic()
        self._reloading = False
        self._lock = threading.Lock()
        #: set once the tables are in memory: until then requests run in the thread pool
        self.ready = threading.Event()
        if warm:
            threading.Thread(target=self._warm, args=(kb,), daemon=True).start()
        else:
            self.ready.set()

    def _warm(self, kb: KnowledgeBase) -> None:
        try:  # frozen (a server's): a full collection rescanning the tables holds the GIL ~1 s
            warm(kb, self.warmers, freeze_gc=self.freeze_gc)
        except Exception:  # a store being replaced: the next look reopens it
            log.warning("could not warm %s", kb.path, exc_info=True)
        finally:
            self.ready.set()  # a failed warm leaves point queries: slower, never wrong

    def current(self) -> Served:
        """This release as served now; starts a reopen when the file changed (at most once a second)."""
        now = time.monotonic()
        if now - self._looked >= STAT_EVERY:
            self._looked = now
            seen = _identity(self.kb.path)
            if seen is not None and seen != self._identity and not self._reloading:
                with self._lock:
                    if not self._reloading:
                        self._reloading = True
                        threading.Thread(target=self._reload, args=(seen,), daemon=True).start()
        return self

    def _reload(self, seen: tuple[int, int, int]) -> None:
        try:
            fresh = KnowledgeBase(self.kb.path, cache_dir=self.kb.cache_dir)
            warm(fresh, self.warmers)
            if fresh.release == self.kb.release and _identity(fresh.path) == seen:
                self.checker, self.kb = Checker(fresh), fresh
                self._identity = seen
                log.warning("reopened %s after it was replaced", fresh.path)
        except Exception:  # half-written or incompatible: keep the snapshot, look again later
            log.warning("store %s changed but cannot be opened yet", self.kb.path, exc_info=True)
        finally:
            self._reloading = False


class Releases:
    """The served release (*kb*, warmed by the caller) and every other one, opened lazily and
    warmed in the background with *warmers*."""

    def __init__(self, kb: KnowledgeBase, warmers: tuple[Warmer, ...] = (), *,
                 freeze_gc: bool = False) -> None:
        self.default = kb.release
        self.warmers = warmers
        self.freeze_gc = freeze_gc  # the program's owner (``icdkit serve``) may ask: see preload
        self._served: dict[str, Served] = {kb.release: Served(kb, warm=False, warmers=warmers)}
        self._lock = threading.Lock()
        self._listing: tuple[float, list[Any]] = (-LIST_EVERY, [])
        self.cache_dir = kb.cache_dir
        self._open_history(kb)

    def _open_history(self, kb: KnowledgeBase) -> None:
        """Open now, at start, every other release a code's answer consults (a dated lookup
        reads the release in force then, an unknown code the releases that held it, a code page
        the title revisions), building a bundled one not built yet (a line per stage): a
        request never builds or checks a store within its budget, and a code's answer is the
        same whichever stores happened to be built before. Their tables are read on use, in
        the thread pool (``icdkit serve`` reads them before serving)."""
        for name in kb.release_names():
            if name == kb.release:
                continue
            try:
                kb.other(name)
            except Exception:  # being replaced, or not openable: its requests say why
                log.warning("could not open release %s", name, exc_info=True)

    def opened(self, name: str | None) -> Served | None:
        """The release *name* as served now when it is open already (no file is read: safe on
        the event loop), else None (ask :meth:`served` in a thread)."""
        if name is None:
            got = self._served.get(self.default)
        else:
            got = self._served.get(name)
            if got is None:
                text = name.strip().upper()
                got = self._served.get(text if text.startswith("FY") else f"FY{text}")
        return None if got is None else got.current()

    def served(self, name: str | None) -> Served:
        """The release *name* (any spelling: ``FY2025``, ``2025``); UnknownRelease when it is
        neither bundled-and-built nor built in the store. Opens it on first use (reads files:
        call it in a thread, see :meth:`opened`)."""
        release = self.default if name is None else self._name(name)
        got = self._served.get(release)
        if got is None:
            with self._lock:
                got = self._served.get(release)
                if got is None:
                    got = self._served[release] = Served(self._open(release), warm=True,
                                                         freeze_gc=self.freeze_gc,
                                                         warmers=self.warmers)
        return got.current()

    def get(self, name: str | None) -> KnowledgeBase:
        return self.served(name).kb

    def _name(self, name: str) -> str:
        text = name.strip()
        try:
            release = store.normalise_release(text) if len(text) <= 12 else ""
        except Exception:
            release = ""
        if release in self._served:
            return release
        known = [r["id"] for r in self.listing() if r["built"]]
        if release not in known:
            raise UnknownRelease(f"unknown release {name[:40]!r}: this server has {', '.join(known)}")
        return release

    def _open(self, release: str) -> KnowledgeBase:
        """The served release's :meth:`~KnowledgeBase.other` (one copy in memory for both the
        lookups' history and ``?release=``), never built here."""
        path = store.db_path(release, self.cache_dir)
        if not store.is_current(path):
            raise UnknownRelease(f"release {release} is not built: run `icdkit build --release {release}`")
        got = self._served[self.default].kb.other(release)
        assert isinstance(got, KnowledgeBase)
        return got

    def listing(self) -> list[dict[str, Any]]:
        """Every release of the store (bundled or built), with its label and effective date."""
        at, found = self._listing
        if time.monotonic() - at < LIST_EVERY:
            return found
        out = []
        for info in store.releases(self.cache_dir):
            d = asdict(info)
            effective = None
            if info.built:
                try:
                    effective = store.read_meta(store.db_path(info.release, self.cache_dir)).get("effective")
                except Exception:  # being replaced right now
                    effective = None
            out.append({"id": d["release"], "label": d["label"], "bundled": d["bundled"],
                        "built": d["built"], "effective": effective, "serving": d["release"] == self.default})
        self._listing = (time.monotonic(), out)
        return out
