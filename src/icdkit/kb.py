"""KnowledgeBase: every fact about the codes of one release, read from its SQLite file.

>>> kb = KnowledgeBase.open("FY2026")
>>> kb.get("M54.03").title
'Panniculitis affecting regions of neck and back, cervicothoracic region'
>>> [n.source for n in kb.effective_notes("M54.03", kinds={"excludes1"})]
['M54.0', 'M54.0', 'M54.0', 'M54', 'M50-M54', 'M50-M54']

A KnowledgeBase is an explicit object (nothing happens at import). It answers its first
questions with point queries, so a one-shot command starts fast; :meth:`preload` reads the
code and note tables into memory for long-running or bulk work (the server, batch checks),
and happens by itself once a KnowledgeBase has answered many lookups.
"""

from __future__ import annotations

import datetime as dt
import difflib
import gc
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from icdkit import codes
from icdkit.dates import ICD10CM_START, parse_date
from icdkit.errors import IncompatibleStore, InvalidInput, MalformedCode, UnknownCode
from icdkit.memo import Memo, shallow
from icdkit.models import Code, Note, Period, ReleaseInfo
from icdkit.refs import Ref

if TYPE_CHECKING:
    from icdkit.store import Arrays, Stage

__all__ = ["KnowledgeBase", "parse_date"]

_NODE_COLS = ("key, code, kind, title, billable, parent, parent_code, chapter, block, depth, "
              "short_title, seventh_owner, path")
_AUTO_PRELOAD_AFTER = 2000  # point-query misses before the tables are read into memory
HCC_BY_KEY = 64  # codes whose HCC mapping is read alone before a model's whole table is (one claim: a few)
# bytes per memo keyed by what callers ask (a server's callers ask anything): see icdkit.memo
_KEYS_BYTES = 4 << 20  # code as typed (other than its plain or dotted key) -> its key
_EFFECTIVE_BYTES = 8 << 20  # effective notes by code and kinds (~20k; shared notes, not copied)
_AGES_BYTES = 1 << 20  # MCE age ranges by date of service (dates within the validity horizon)
_HCC_MODEL = {  # model name in the CMS mapping -> (label domain, version)
    "CMS-HCC Model V28": ("CMS-HCC", "V28"),
    "CMS-HCC Model V24": ("CMS-HCC", "V24"),
    "CMS-HCC Model V22": ("CMS-HCC", "V22"),
    "CMS-HCC ESRD Model V24": ("ESRD", "V24"),
    "CMS-HCC ESRD Model V21": ("ESRD", "V21"),
    "RxHCC Model V08": ("RxHCC", "V08"),
}


_OPENING = threading.Lock()  # held while another release is opened (other())


def _period(start: str, end: str, flags: str) -> Period:
    """A validity row: flags are stored comma-separated."""
    return Period(start, end, tuple(f for f in flags.split(",") if f))


class KnowledgeBase:
    """Read-only access to one compiled release."""

    def __init__(self, path: str | Path, *, cache_dir: Path | None = None) -> None:
        from icdkit import store
        from icdkit.build.schema import SCHEMA_VERSION

        self.path = Path(path)
        self._cache_dir = cache_dir or self.path.parent
        self.meta = store.read_meta(self.path)
        if self.meta.get("schema_version") != str(SCHEMA_VERSION):
            raise IncompatibleStore(
                f"{self.path} was built by icdkit {self.meta.get('icdkit_version', '?')} "
                f"(schema {self.meta.get('schema_version')}); rebuild it with `icdkit build`"
            )
        self._con = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True,
                                    check_same_thread=False)
        self.release: str = self.meta["release"]
        self.label: str = self.meta["label"]
        self.effective: str = self.meta["effective"]
        self._rows: dict[str, tuple[Code, tuple[str, ...]] | None] = {}
        self._owner_notes: dict[str, tuple[Note, ...]] = {}
        self._children: dict[str, tuple[str, ...]] | None = None
        self._misses = 0
        self._preloaded = False
        self._preloading = threading.Lock()  # one thread reads the tables; the others go on
        self._keys: Memo[str, str] = Memo("kb.keys", _KEYS_BYTES)
        self._ancestors: dict[str, tuple[Code, ...]] = {}
        self._effective: Memo[tuple[str, frozenset[str] | None], tuple[Note, ...]] = Memo(
            "kb.effective_notes", _EFFECTIVE_BYTES, shallow)
        self._effective_all: dict[str, tuple[Note, ...]] | None = None  # set by preload
        # tables read whole by preload(); None means "ask SQLite"
        self._periods: dict[str, tuple[Period, ...]] | None = None
        self._severity: dict[str, tuple[str, int | None]] | None = None
        self._hcc_labels: dict[tuple[str, str, str], str] | None = None
        self._horizon: tuple[str, str] | None = None
        self._hcc_models: dict[str, dict[str, tuple[tuple[int, str], ...]]] = {}
        self._hcc_asked: dict[str, dict[str, tuple[tuple[int, str], ...]]] = {}  # by key, until read whole
        self._ages: Memo[str, dict[str, tuple[int, int]]] = Memo("kb.age_ranges", _AGES_BYTES)
        self._code_keys: tuple[tuple[str, ...], dict[str, int]] | None = None
        self._pdx: dict[int, frozenset[str]] = {}  # PDX exclusion collection -> principal keys
        self._others: dict[str, KnowledgeBase] = {}  # other releases, opened by other()
        self._release_names: tuple[str, ...] | None = None

    # -- opening -----------------------------------------------------------------------
    @classmethod
    def open(cls, release: str | None = None, *, cache_dir: str | Path | None = None,
             build: bool = True, stages: tuple[Stage, ...] = ()) -> KnowledgeBase:
        """Open *release* (default: the newest), building it first if it is missing or stale;
        with the tables of *stages*, the compile steps of layers above (see :mod:`icdkit.store`)."""
        from icdkit import store

        directory = store.cache_dir(cache_dir)
        name = store.resolve(release, directory)
        path = store.ensure(name, directory, stages=stages) if build else store.db_path(name, directory)
        return cls(path, cache_dir=directory)

    def compiled(self, stage: str, version: str, *, only: Sequence[str] | None = None, skip: str = ""
                 ) -> Arrays | None:
        """The tables the stage *stage* compiled into this store at build (read-only arrays), or
        None when it holds none compiled by *version* of its code (see :class:`store.Stage`);
        *only* and *skip* choose among them (store.read_compiled)."""
        from icdkit import store

        return store.read_compiled(self._con, stage, version, only=only, skip=skip)

    def releases(self) -> list[ReleaseInfo]:
        """Every release that can be opened beside this one (bundled or built)."""
        from icdkit import store

        return store.releases(self._cache_dir)

    def other(self, release: str) -> KnowledgeBase:
        """Another release of the same store (this one for its own name), opened once and kept,
        of this one's class (a server's ``?release=`` and a lookup's history share it).

        Built first if it is bundled and not built yet; UnknownRelease if icdkit lacks it.
        """
        if release == self.release:
            return self
        got = self._others.get(release)
        if got is None:
            with _OPENING:  # one copy, whichever thread asks first
                got = self._others.get(release)
                if got is None:
                    got = self._others[release] = type(self).open(release, cache_dir=self._cache_dir)
        return got

    def release_names(self) -> tuple[str, ...]:
        """The releases that can be opened beside this one, oldest first (read once)."""
        if self._release_names is None:
            self._release_names = tuple(i.release for i in self.releases())
        return self._release_names

    def close(self) -> None:
        for other in self._others.values():
            other.close()
        self._con.close()

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def cache_dir(self) -> Path:
        """The directory of the store (and of the other releases' stores)."""
        return self._cache_dir

    def __repr__(self) -> str:
        return f"KnowledgeBase({self.release!r}, path={str(self.path)!r})"

    # -- codes -------------------------------------------------------------------------
    def _make(self, row: tuple) -> tuple[Code, tuple[str, ...]]:  # type: ignore[type-arg]
        key, code, kind, title, billable, parent, shown, chapter, block, depth, short, seventh, path = row
        return (
            Code(key, code, kind, title, bool(billable), shown, chapter, block, depth,
                 self.release, short, seventh, parent),
            tuple(path.split()) if path else (),
        )

    def _lookup(self, k: str) -> tuple[Code, tuple[str, ...]] | None:
        try:
            return self._rows[k]
        except KeyError:
            pass
        if self._preloaded:
            return None
        self._misses += 1
        if self._misses > _AUTO_PRELOAD_AFTER and not self._preloading.locked():
            self.preload()
            return self._rows.get(k)
        row = self._con.execute(f"SELECT {_NODE_COLS} FROM nodes WHERE key=?", (k,)).fetchone()
        got = self._make(row) if row else None
        self._rows[k] = got
        return got

    def _key(self, code: str) -> str:
        """Key for a code, block range ('M50-M54') or chapter number ('13'); memoised."""
        got = self._keys.get(code)
        if got is not None:
            return got
        text = code.strip()
        dot = text.find(".")
        plain = text.upper().replace(".", "", 1) if dot in (-1, 3) else ""
        if self._preloaded and plain in self._rows and "." not in plain:
            return plain  # a well-placed key the release holds: as quick to make as to look up
        got = text.upper() if text.isdigit() or "-" in text else codes.key(text)
        self._keys[code] = got
        return got

    def find(self, code: str) -> Code | None:
        """The node for *code* (any spelling), or None if the release does not hold it."""
        got = self._lookup(self._key(code))
        return got[0] if got else None

    def get(self, code: str) -> Code:
        """The node for *code*; raise UnknownCode (with suggestions) or MalformedCode."""
        k = self._key(code)
        got = self._lookup(k)
        if got is None:
            raise UnknownCode(self._unknown_message(code, k), code=code.strip(),
                              suggestions=tuple(self.suggest(code)))
        return got[0]

    def __contains__(self, code: object) -> bool:
        try:
            return isinstance(code, str) and self.find(code) is not None
        except MalformedCode:
            return False

    def _unknown_message(self, text: str, k: str) -> str:
        shown = codes.dotted(k)
        if not codes.is_code_key(k):
            return f"unknown code {shown}: not in ICD-10-CM {self.release}"
        why = f"{shown} is not a code of {self.release}"
        if 4 <= len(k) < 7 and k[-1].isalpha():
            padded = self.find(codes.with_placeholder(k[:-1], k[-1]))
            if padded is not None and padded.billable:
                return f"{why}: the placeholder X is missing (write {padded.code})"
        reasons = []
        dropped = json.loads(self.meta.get("disagreements", "{}")).get("seventh_expansions_not_valid", [])
        if k in dropped:
            reasons.append("the tabular's 7th characters would form it, but the valid-code set "
                           f"({self.meta.get('billable_source')}) does not include it, "
                           "and the valid set wins")
        periods = self.periods(k)
        if periods:
            reasons.append(f"it was valid {periods[0].start} to {periods[-1].end}")
        if not reasons:
            return f"unknown code {shown}: not in ICD-10-CM {self.release}"
        return f"{why}: {'; '.join(reasons)}"

    def ancestors(self, code: str) -> list[Code]:
        """Parent, grandparent … up to the block and chapter (nearest first)."""
        node, path = self._need(code)
        got = self._ancestors.get(node.key)
        if got is None:
            got = tuple(self._node(a) for a in path)
            self._ancestors[node.key] = got
        return list(got)

    def _node(self, key: str) -> Code:
        """The node of an internal key (already normalised: a parent or path entry)."""
        got = self._rows.get(key) or self._lookup(key)
        assert got is not None, key
        return got[0]

    def _need(self, code: str) -> tuple[Code, tuple[str, ...]]:
        k = self._keys.get(code)  # fast path: a spelling seen before, of a loaded node
        hit = self._rows.get(k) if k is not None else None
        if hit is not None:
            return hit
        got = self._lookup(self._key(code))
        if got is None:
            self.get(code)  # raises UnknownCode with suggestions
        assert got is not None
        return got

    def children(self, code: str) -> list[Code]:
        """Direct children in tabular order."""
        k = self._need(code)[0].key
        if self._children is not None:
            kids: Iterable[str] = self._children.get(k, ())
        else:
            kids = [r[0] for r in self._con.execute(
                "SELECT key FROM nodes WHERE parent=? ORDER BY seq", (k,))]
        return [self._need(c)[0] for c in kids]

    def siblings(self, code: str) -> list[Code]:
        """The other children of this node's parent."""
        node = self._need(code)[0]
        if node.parent_key is None:
            return [c for c in self.chapters() if c.key != node.key]
        return [c for c in self.children(node.parent_key) if c.key != node.key]

    def descendants(self, code: str, *, billable_only: bool = False) -> list[Code]:
        """Everything beneath a node, depth first in tabular order."""
        out: list[Code] = []
        stack = list(reversed(self.children(code)))
        while stack:
            c = stack.pop()
            if c.billable or not billable_only:
                out.append(c)
            stack.extend(reversed(self.children(c.key)))
        return out

    def chapters(self) -> list[Code]:
        rows = self._con.execute("SELECT key FROM nodes WHERE kind='chapter' ORDER BY seq")
        return [self._need(r[0])[0] for r in rows]

    def block_range(self, block: str) -> tuple[str, str]:
        row = self._con.execute("SELECT first, last FROM nodes WHERE key=?", (block,)).fetchone()
        return (row[0], row[1]) if row else (block, block)

    def code_keys(self) -> tuple[str, ...]:
        """The key of every category, subcategory and code, in key order (read once)."""
        return self._code_order()[0]

    def code_ranks(self) -> dict[str, int]:
        """Each key of :meth:`code_keys` -> its place there (shared: read, never change)."""
        return self._code_order()[1]

    def _code_order(self) -> tuple[tuple[str, ...], dict[str, int]]:
        if self._code_keys is None:
            keys = tuple(sorted(r[0] for r in self._con.execute(
                "SELECT key FROM nodes WHERE kind IN ('category','subcategory','code')")))
            self._code_keys = (keys, {k: i for i, k in enumerate(keys)})
        return self._code_keys

    def iter_codes(self, *, billable_only: bool = False) -> Iterator[Code]:
        """Every category, subcategory and code in tabular order."""
        sql = (f"SELECT {_NODE_COLS} FROM nodes WHERE kind IN ('category','subcategory','code')"
               + (" AND billable" if billable_only else "") + " ORDER BY seq")
        for row in self._con.execute(sql):
            yield self._make(row)[0]

    # -- notes -------------------------------------------------------------------------
    def _notes_of(self, owner: str) -> tuple[Note, ...]:
        got = self._owner_notes.get(owner)
        if got is not None:
            return got
        if self._preloaded:
            return ()
        rows = self._con.execute("SELECT id, kind, text FROM notes WHERE owner=? ORDER BY id",
                                 (owner,)).fetchall()
        refs = self._refs_for([r[0] for r in rows])
        node = self._need(owner)[0]
        notes = tuple(Note(kind, text, node.code, node.kind, refs.get(i, ()))
                      for i, kind, text in rows)
        self._owner_notes[owner] = notes
        return notes

    def _refs_for(self, ids: list[int] | None) -> dict[int, tuple[Ref, ...]]:
        """References of the given notes (all notes when *ids* is None), by note id."""
        if ids is not None and not ids:
            return {}
        where = f" WHERE note_id IN ({','.join('?' * len(ids))})" if ids is not None else ""
        out: dict[int, list[Ref]] = {}
        for nid, pattern, lo, hi, pos, sfx, qual, approx in self._con.execute(
            "SELECT note_id, pattern, lo, hi, positions, suffixes, qualifier, approximate "
            f"FROM note_refs{where} ORDER BY rowid", ids or (),
        ):
            positions = tuple((int(p), str(c)) for p, c in json.loads(pos))
            out.setdefault(nid, []).append(
                Ref(pattern, lo, hi, positions, tuple(json.loads(sfx)), qual, bool(approx)))
        return {k: tuple(v) for k, v in out.items()}

    def notes(self, code: str, *, kinds: Iterable[str] | None = None) -> list[Note]:
        """The notes standing on this node itself."""
        wanted = set(kinds) if kinds else None
        return [n for n in self._notes_of(self._need(code)[0].key)
                if wanted is None or n.kind in wanted]

    def effective_notes(self, code: str, *, kinds: Iterable[str] | None = None) -> list[Note]:
        """Own notes plus those inherited from every ancestor up to block and chapter.

        Nearest first: a code's own notes, then its parent's, … then the block's and the
        chapter's. Each note's ``source`` says where it stands.
        """
        node, path = self._need(code)
        wanted = frozenset(kinds) if kinds else None
        memo = (node.key, wanted)
        got = self._effective.get(memo)
        if got is None:
            if self._effective_all is not None:
                everything = self._effective_all[node.key]
                got = everything if wanted is None else tuple(n for n in everything if n.kind in wanted)
            else:
                got = tuple(n for owner in (node.key, *path) for n in self._notes_of(owner)
                            if wanted is None or n.kind in wanted)
            self._effective[memo] = got
        return list(got)

    def resolve(self, ref: Ref, *, billable_only: bool = False) -> list[Code]:
        """The codes of this release a note reference covers."""
        rows = self._con.execute(
            f"SELECT {_NODE_COLS} FROM nodes WHERE key BETWEEN ? AND ? "
            "AND kind IN ('category','subcategory','code')" + (" AND billable" if billable_only else "")
            + " ORDER BY seq", (ref.lo, ref.hi))
        return [c for c, _ in map(self._make, rows) if ref.matches(c.key)]

    def seventh_characters(self, code: str) -> dict[str, str]:
        """7th character → meaning, where this code (or its parent) takes one."""
        node = self._need(code)[0]
        if not node.seventh_owner:
            return {}
        rows = self._con.execute("SELECT char, meaning FROM seventh WHERE owner=? ORDER BY rowid",
                                 (node.seventh_owner,))
        return dict(rows.fetchall())

    def seventh_terms(self, code: str) -> dict[str, list[str]]:
        """7th character → the lines the Tabular prints under it, for characters that have any.

        >>> KnowledgeBase.open().seventh_terms("S72.001")
        {'B': ['initial encounter for open fracture NOS']}
        """
        node = self._need(code)[0]
        if not node.seventh_owner:
            return {}
        rows = self._con.execute("SELECT char, terms FROM seventh WHERE owner=? AND terms != '[]' "
                                 "ORDER BY rowid", (node.seventh_owner,))
        return {char: json.loads(terms) for char, terms in rows}

    # -- validity and edits ----------------------------------------------------------
    def periods(self, code: str) -> list[Period]:
        """Every period this code was valid (on any date of the MCE table), oldest first."""
        k = self._key(code)
        if self._periods is not None:
            return list(self._periods.get(k, ()))
        rows = self._con.execute(
            "SELECT start, end, flags FROM validity WHERE key=? ORDER BY start", (k,))
        return [_period(s, e, flags) for s, e, flags in rows]

    def horizon(self) -> tuple[str, str]:
        """First and last date the validity table covers."""
        if self._horizon is None:
            lo, hi = json.loads(self.meta["validity_horizon"])
            self._horizon = (lo, hi)
        return self._horizon

    def check_date(self, on: dt.date | str) -> str:
        """ISO form of a date of service (the check every command and the API make).

        InvalidInput if it is malformed or impossible (:func:`icdkit.dates.parse_date`),
        before ICD-10-CM took effect, or past the end of the validity table.
        """
        day = parse_date(on)
        assert day is not None
        iso = day.isoformat()
        lo, hi = self.horizon()
        if iso < ICD10CM_START:
            raise InvalidInput(f"date {iso} is before {ICD10CM_START}: ICD-10-CM was not in use "
                               "yet in the U.S. (ICD-9-CM was), and icdkit knows ICD-10-CM only")
        if iso < lo or iso > hi:
            raise InvalidInput(f"date {iso} is beyond the validity table: icdkit knows which codes "
                               f"are valid from {lo} to {hi} ({self.meta.get('mce_source')})")
        return iso

    def is_valid(self, code: str, *, on: dt.date | str | None = None) -> bool:
        """Whether *code* could be reported on date *on* (default: this release's date)."""
        return self.period_on(code, self.effective if on is None else on) is not None

    def period_on(self, code: str, day: dt.date | str) -> Period | None:
        """The validity period covering *day*, or None (always None before ICD-10-CM)."""
        parsed = parse_date(day)
        assert parsed is not None
        if parsed.isoformat() < ICD10CM_START:
            return None
        iso = self.check_date(parsed)
        return next((p for p in self.periods(code) if p.start <= iso <= p.end), None)

    def age_ranges(self, *, on: dt.date | str | None = None) -> dict[str, tuple[int, int]]:
        """MCE age edit ranges (newborn, pediatric, maternity, adult) in force on a date."""
        day = self.check_date(on) if on is not None else self.effective
        got = self._ages.get(day)
        if got is None:
            rows = self._con.execute(
                "SELECT category, min_age, max_age FROM mce_age WHERE start<=? AND ?<=end", (day, day))
            got = {c: (lo, hi) for c, lo, hi in rows}
            self._ages[day] = got
        return dict(got)

    def edit_span(self, *flags: str) -> tuple[str, str] | None:
        """The first and last day on which any code carries one of the MCE edit *flags* (None
        when none ever does), as recorded at build: the diagnosis sex edits (female, male) ran
        2015-10-01 to 2024-09-30, when CMS dropped them."""
        spans = json.loads(self.meta.get("mce_edit_spans", "{}"))
        found = [spans[f] for f in flags if f in spans]
        return (min(lo for lo, _ in found), max(hi for _, hi in found)) if found else None

    def replacements(self, code: str) -> list[Code]:
        """For a code no longer valid: the billable codes that replaced it.

        Those are its billable descendants in this release (M54.5 → M54.50, M54.51, M54.59),
        or else siblings under the same parent that took effect the day after it ended; for a
        code with a 7th character, those with the same 7th character (H40.11X0 → H40.1110,
        H40.1120, H40.1130, H40.1190: stage unspecified, as it was).
        """
        found = self._replacements(code)
        k = self._key(code)
        if len(k) == 7:
            same = [c for c in found if len(c.key) == 7 and c.key[6] == k[6]]
            return same or found
        return found

    def _replacements(self, code: str) -> list[Code]:
        periods = self.periods(code)
        if not periods:
            return []
        ended = periods[-1].end
        after = (dt.date.fromisoformat(ended) + dt.timedelta(days=1)).isoformat()
        node = self.find(code)
        if node is not None:
            found = self.descendants(node.key, billable_only=True)
            if found:
                return found
        k = self._key(code)
        parent_key = node.parent_key if node else next(
            (k[:n] for n in range(len(k) - 1, 2, -1) if self.find(k[:n])), None)
        if not parent_key:
            return []
        return [c for c in self.descendants(parent_key, billable_only=True)
                if c.key != k and self.periods(c.key) and self.periods(c.key)[0].start == after]

    def severity(self, code: str) -> tuple[str, int | None] | None:
        """MS-DRG severity ('CC' or 'MCC') and its PDX exclusion collection, if any."""
        if self._severity is not None:
            return self._severity.get(self._key(code))
        row = self._con.execute("SELECT level, pdx_collection FROM severity WHERE key=?",
                                (self._key(code),)).fetchone()
        return (row[0], row[1]) if row else None

    def pdx_excludes(self, collection: int, principal: str) -> bool:
        """Whether *principal* is in PDX exclusion *collection* (the CC then counts as non-CC)."""
        keys = self._pdx.get(collection)
        if keys is None:  # ~2,000 collections of ~90 keys: read each once, whole
            keys = frozenset(r[0] for r in self._con.execute(
                "SELECT key FROM pdx_exclusion WHERE collection=?", (collection,)))
            self._pdx[collection] = keys
        return self._key(principal) in keys

    def pdx_exclusions(self) -> list[tuple[int, str]]:
        """Every (PDX exclusion collection, principal key) pair, read whole (batch checks)."""
        return self._con.execute("SELECT collection, key FROM pdx_exclusion").fetchall()

    def hcc(self, code: str, *, model: str | None = None) -> list[dict[str, object]]:
        """CMS risk-adjustment categories per payment year and model, with labels.

        With *model*, only that model's: a code at a time at first (one encounter's check reads
        a few rows), then from its whole table read once (a batch asks about every code).
        """
        if model is None:
            rows = self._con.execute("SELECT year, model, cc FROM hcc WHERE key=? ORDER BY model, year",
                                     (self._key(code),))
            return [self._hcc_record(year, model, cc) for year, model, cc in rows]
        return [self._hcc_record(year, model, cc) for year, cc in self._hcc_of(model, self._key(code))]

    def has_hcc(self, code: str, model: str) -> bool:
        """Whether *code* maps to any category of *model* (in any payment year)."""
        return bool(self._hcc_of(model, self._key(code)))

    def _hcc_of(self, model: str, key: str) -> tuple[tuple[int, str], ...]:
        """*key*'s ((year, category), …) in *model*: read alone for the first HCC_BY_KEY keys
        asked (kept), then from the whole table (:meth:`_hcc_table`)."""
        table = self._hcc_models.get(model)
        if table is not None:
            return table.get(key, ())
        asked = self._hcc_asked.setdefault(model, {})
        got = asked.get(key)
        if got is None:
            if len(asked) >= HCC_BY_KEY:
                del self._hcc_asked[model]
                return self._hcc_table(model).get(key, ())
            sql = "SELECT year, cc FROM hcc WHERE key=? AND model=? ORDER BY year, cc"
            got = asked[key] = tuple(self._con.execute(sql, (key, model)).fetchall())
        return got

    def _hcc_table(self, model: str) -> dict[str, tuple[tuple[int, str], ...]]:
        """One model's mapping, key -> ((year, category), …), read whole once."""
        table = self._hcc_models.get(model)
        if table is None:
            by_key: dict[str, list[tuple[int, str]]] = {}
            for k, year, cc in self._con.execute(
                    "SELECT key, year, cc FROM hcc WHERE model=? ORDER BY key, year", (model,)):
                by_key.setdefault(k, []).append((year, cc))
            table = self._hcc_models[model] = {k: tuple(v) for k, v in by_key.items()}
        return table

    def _hcc_record(self, year: int, model: str, cc: str) -> dict[str, object]:
        if self._hcc_labels is None:
            self._hcc_labels = {(d, v, c): label for d, v, c, label in
                                self._con.execute("SELECT domain, version, cc, label FROM hcc_label")}
        domain, version = _HCC_MODEL.get(model, ("", ""))
        label = (self._hcc_labels.get((domain, version, f"HCC{cc}"))
                 or self._hcc_labels.get((domain, version, f"RXHCC{cc}")))
        return {"model": model, "year": year, "hcc": cc, "label": label}

    # -- suggestions -------------------------------------------------------------------
    def suggest(self, text: str, *, limit: int = 5) -> list[str]:
        """Nearest codes of this release to something that is not one ("did you mean")."""
        raw = "".join(ch for ch in text.upper() if ch.isalnum())
        if not raw:
            return []
        found: list[str] = []
        if len(raw) >= 4 and raw[-1].isalpha() and len(raw) < 7:
            fixed = codes.with_placeholder(raw[:-1], raw[-1])
            if (c := self.find(fixed)) and c.billable:
                found.append(c.code)
        node = self.find(raw) if codes.is_code_key(raw) else None
        if node is not None and not node.billable:
            found.extend(c.code for c in self.descendants(raw, billable_only=True)[:limit])
        for width in (3, 2, 1):
            if len(found) >= limit or len(raw) < width:
                break
            prefix = raw[:width]
            pool = [r[0] for r in self._con.execute(
                "SELECT key FROM nodes WHERE key BETWEEN ? AND ? AND billable LIMIT 20000",
                (prefix, prefix + "~"))]
            for k in difflib.get_close_matches(raw, pool, n=limit, cutoff=0.6):
                if codes.dotted(k) not in found:
                    found.append(codes.dotted(k))
            if pool:
                break
        return found[:limit]

    # -- bulk --------------------------------------------------------------------------
    def connection(self) -> sqlite3.Connection:
        """The read-only SQLite connection (index terms and search tables live there too)."""
        return self._con

    def preload(self, *, freeze_gc: bool = False) -> None:
        """Read the code and note tables into memory (for servers and bulk work).

        That is ~400k long-lived objects. A library call leaves the garbage collector alone; an
        entry point (the CLI's batch and server) may pass *freeze_gc* to build them with
        collection paused and move them to the permanent generation (:func:`gc.freeze`), so
        full collections stop rescanning them (measured: lookups 4x faster). The freeze applies
        to every object alive at that moment, which is why only a program's owner may ask.
        """
        with self._preloading:  # a second caller waits for the first's tables, not reads its own
            if self._preloaded:
                return
            if not freeze_gc:
                self._preload()
                return
            enabled = gc.isenabled()
            gc.disable()  # no collections while the tables are built
            try:
                self._preload()
            finally:
                if enabled:
                    gc.enable()
            gc.freeze()

    def _preload(self) -> None:
        rows = {}
        children: dict[str, list[str]] = {}
        for row in self._con.execute(f"SELECT {_NODE_COLS} FROM nodes ORDER BY seq"):
            made = self._make(row)
            rows[made[0].key] = made
            if made[0].parent_key:
                children.setdefault(made[0].parent_key, []).append(made[0].key)
        notes_rows = self._con.execute("SELECT id, owner, kind, text FROM notes ORDER BY id").fetchall()
        refs = self._refs_for(None)
        by_owner: dict[str, list[Note]] = {}
        for nid, owner, kind, text in notes_rows:
            node = rows[owner][0]
            by_owner.setdefault(owner, []).append(
                Note(kind, text, node.code, node.kind, refs.get(nid, ())))
        self._rows = dict(rows)
        self._children = {k: tuple(v) for k, v in children.items()}
        self._owner_notes = {k: tuple(v) for k, v in by_owner.items()}
        # each node's ancestors and effective notes, from its parent's (document order: parents first)
        ancestors: dict[str, tuple[Code, ...]] = {}
        effective: dict[str, tuple[Note, ...]] = {}
        for key, (node, _) in rows.items():
            own = self._owner_notes.get(key, ())
            parent = node.parent_key
            ancestors[key] = (rows[parent][0], *ancestors[parent]) if parent else ()
            effective[key] = own + effective[parent] if parent else own
        self._ancestors = ancestors
        self._effective_all = effective
        periods: dict[str, list[Period]] = {}
        for k, start, end, flags in self._con.execute(
                "SELECT key, start, end, flags FROM validity ORDER BY key, start"):
            periods.setdefault(k, []).append(_period(start, end, flags))
        self._periods = {k: tuple(v) for k, v in periods.items()}
        self._severity = {k: (lvl, coll) for k, lvl, coll in self._con.execute("SELECT * FROM severity")}
        self._preloaded = True
