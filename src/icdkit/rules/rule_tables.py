"""What the columnar checker (columnar.py) knows of a knowledge base's codes, as arrays, compiled
once when the knowledge base is built and stored inside it.

* A code as typed has a *number*; each of its validity periods (first and last day as
  ordinals) a *code period* (cp).
* A cp holds what the rules say of the code on its own in that period, as template groups
  (finding_text.py): its instructions when none of their codes is on the claim, as first-listed or
  not (``absent_templates``); what each rule of a code on its own says (code_rules.py, e.g.
  the unspecified edit); its edits as first-listed for each setting,
  alone or not (``principal_templates``); its CC/MCC flag as principal and as secondary; and
  the facts the rest reads: its governing screen and key rank (pair_screen.py), display form,
  MS-DRG exclusion collection, whether it maps to an HCC or carries age or sex edits.
* Each cell of every governing screen: what it holds (Excludes without or with qualifiers, an
  instruction's reference) and, for Excludes without qualifiers, the group of findings for a
  code the notes stand on and for a descendant (``exact_templates``); for an instruction's
  reference, which instructions name every code of the cell (``Governing.instructions_in``).
* Each screen's instructions: their kind, and each one's findings when none of its codes is on
  the claim (``instruction_templates``), so that a code whose notes name another code of the
  claim needs no notes read again.
* The HCC findings of each cp for the payment years of the release's dates, every MS-DRG
  PDX exclusion, and what is said of a sex given when no MCE sex edit is in force.

Compiling every billable code takes a few seconds, so it is part of the release's build, like
the search postings: the tables are written into the knowledge base's SQLite file (its
``compiled`` table) before its checksum is taken, and a batch only loads them. The store sits
below the rules and cannot import them, so the layers that open or build a store (workbench,
cli, frames) hand this module's compile step down as a ``store.Stage`` (:func:`stage`): the
store runs it on the finished facts. The stage's version is a digest of icdkit's sources; a
store compiled by other sources (or built without the stage) is completed once, in place
(``store.complete``). A code, cell or year not compiled (a code typed in another spelling, a
date in another year) is compiled when first met, in memory.

Loading reads only what one claim needs of the big tables, so a cold ``icdkit check`` stays
quick: the text pieces (~18 MB) are saved in blocks read when first needed (finding_text.Pieces),
the codes' numbers and the release's keys as sorted fixed-width arrays searched by key, and the
HCC groups by code period and year; a batch soon reads every block and number at once.

>>> from icdkit import KnowledgeBase
>>> from icdkit.rules.encounters import Rules
>>> tables = Tables.open(Rules(KnowledgeBase.open()))
>>> cp = tables.period_cp[tables.code_first[tables.number("M54.2")]]
>>> tables.pieces.get(tables.cp["shown"][cp])
'M54.2'
"""

from __future__ import annotations

import datetime as dt
import functools
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from icdkit import codes, store
from icdkit.errors import IcdkitError
from icdkit.kb import KnowledgeBase
from icdkit.models import Period
from icdkit.rules.code_rules import registered
from icdkit.rules.context import Spelling
from icdkit.rules.encounters import Rules
from icdkit.rules.excludes import exact_templates
from icdkit.rules.finding_text import GLUES, NONE, Groups, Pieces
from icdkit.rules.governing_notes import Governing
from icdkit.rules.info import cc_templates, hcc_findings
from icdkit.rules.mce import principal_templates, sex_unchecked_templates
from icdkit.rules.pair_screen import SAVED, Column, Keys, Screen
from icdkit.rules.rule_tables_version import STAGE, version
from icdkit.rules.sequencing import absent_templates, instruction_templates

Ints = npt.NDArray[np.int64]

#: what a cell of a screen holds (bits): Excludes without / with qualifiers, an instruction's reference
EXACT, INEXACT, NAMED = 1, 2, 4
SETTINGS = (None, True, False)  # a row's setting (0, 1, 2) as the MCE rules take it: inpatient or not
#: the rules of a code on its own (code_rules.py), each a column of code periods: ``own_<rule id>``
OWN_COLUMNS = tuple(f"own_{r.id}" for r in registered())
#: per code period, in this order: see the module
CP_COLUMNS = ("gid", "rank", "shown", "owner", "period", "seq0", "seq1", "ccp", "ccs", "coll",
              "hcc", "demo", "flags", "manifestation",
              *(f"principal{s}{n}" for s in range(3) for n in range(2)), *OWN_COLUMNS)
UNKNOWN = -2  # in the per-cell and per-screen columns: not worked out yet
CODE_FIRST = 1  # an instruction's kind (ins_kind): Code first, or another (0)
#: per instruction: its kind, and its findings' group when none of its codes is on the claim, for
#: a code listed after the first or first, manifestation code or not (ins_absent<first><manifestation>)
INSTRUCTION_COLUMNS = ("ins_kind", "ins_absent00", "ins_absent01", "ins_absent10", "ins_absent11")
_ROLES = ((False, False), (False, True), (True, False), (True, True))
PIECES = "pieces:"  # the saved text pieces' blocks: pieces:0, pieces:1 … (finding_text.BLOCK each)
NUMBERS_BY_ONE = 1024  # saved code numbers looked up one by one before all are read
_YEARS = 10_000  # the saved HCC groups, by code period * _YEARS + payment year


class Read(Protocol):
    """Reads saved tables of the rule tables' stage (store.read_compiled's *only*, *skip*)."""

    def __call__(self, *, only: list[str] | None = None, skip: str = ""
                 ) -> dict[str, npt.NDArray[Any]] | None: ...


_DEMOGRAPHIC = frozenset(("newborn", "pediatric", "maternity", "adult", "female", "male"))


class Tables:
    """See the module. ``Tables.open`` loads the saved tables or compiles and saves them."""

    def __init__(self, checker: Rules, saved: dict[str, Any] | None = None,
                 read: Callable[[list[str]], list[npt.NDArray[Any]]] | None = None) -> None:
        self.checker, self.cache, self.kb = checker, checker.cache, checker.kb
        if saved is None:
            self.pieces = Pieces()
            self.groups = Groups(self.pieces)
            self.screen = Screen(self.kb.code_keys())
            self.numbers: dict[str, int] = {}
            self._saved_numbers: tuple[npt.NDArray[np.bytes_], Ints] | None = None
            columns = {name: Column(np.int64) for name in (
                "code_first", "code_count", "period_start", "period_end", "period_cp", "cell_kind",
                "cell_exact0", "cell_exact1", "cell_named", "gov_first", "gov_count", *INSTRUCTION_COLUMNS,
                *(f"cp_{name}" for name in CP_COLUMNS))}
            self.hcc: dict[tuple[int, int], int] = {}
            self._saved_hcc: tuple[Ints, Ints] = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
            self._pdx: Ints | None = None
            self._sex: dict[str, int] = {}
        else:
            assert read is not None
            self.pieces = Pieces.restore(int(saved["piece_count"]), lambda blocks: [
                _texts(got) for got in read([f"{PIECES}{k}" for k in blocks])])
            self.groups = Groups.restore(self.pieces, saved)
            self.screen = Screen.restore(Keys(saved["screen_keys"]), {
                k: saved[f"screen_{k}"] for k in ("cuts", "start", "base", "live", "span")})
            self.numbers = {}  # (the saved ones looked up when first met: number())
            self._saved_numbers = (saved["number_codes"], saved["number_values"])
            columns = {name: Column.of(saved[name], np.int64) for name in saved
                       if name.startswith(("code_", "period_", "cell_", "cp_", "gov_", "ins_"))}
            self.hcc = {}  # (the saved ones looked up when first asked: hcc_group())
            hcc = saved["hcc"].astype(np.int64)
            by = np.lexsort((hcc[:, 1], hcc[:, 0]))
            self._saved_hcc = (hcc[by, 0] * _YEARS + hcc[by, 1], hcc[by, 2])
            self._pdx = saved["pdx"]
            self._sex = dict(zip("FM", saved["sex_unchecked"].tolist(), strict=True))
        self._columns = columns
        self._facts: dict[int, tuple[str, str, Period]] = {}
        self._glued = Column(np.int64)  # see glue(): made as codes are met, not saved (cheaper than loading)
        self._pending: dict[str, list[int]] = {name: [] for name in columns}
        self._numbers_by_one = 0  # saved numbers looked up one by one so far
        self.sync()

    # -- reading ---------------------------------------------------------------------------

    def sync(self) -> None:
        """Put what was compiled since the last call in the arrays (numpy appends are costly
        one by one: codes met for the first time are entered a chunk at a time)."""
        fresh = [name for name, values in self._pending.items() if values]
        if not fresh and hasattr(self, "cp"):
            return
        for name in fresh:
            self._columns[name].extend(self._pending[name])
            self._pending[name].clear()
        c = {name: column.view() for name, column in self._columns.items()}
        self.code_first, self.code_count = c["code_first"], c["code_count"]
        self.period_start, self.period_end = c["period_start"], c["period_end"]
        self.period_cp = c["period_cp"]
        self.cp = {name: c[f"cp_{name}"] for name in CP_COLUMNS}
        #: by setting (0, 1, 2) * 2 + several (0, 1), then cp: the first-listed code's edits
        self.principal = np.stack([self.cp[f"principal{s}{n}"] for s in range(3) for n in range(2)])

    def cells(self) -> tuple[Ints, Ints, Ints]:
        """By cell of the screen: what it holds (EXACT, INEXACT, NAMED bits; -1 not known yet), and
        the group (+1; 0 not known yet) of its exact Excludes for a descendant and for the owner."""
        self._grow()
        return tuple(self._columns[name].data for name in ("cell_kind", "cell_exact0", "cell_exact1"))  # type: ignore[return-value]

    def _grow(self) -> None:
        """The per-cell and per-screen columns as long as the screen (screens entered since)."""
        more = len(self.screen.cells) - self._columns["cell_kind"].size
        if more > 0:
            self._columns["cell_kind"].pad(more, -1)
            self._columns["cell_exact0"].pad(more, 0)
            self._columns["cell_exact1"].pad(more, 0)
            self._columns["cell_named"].pad(more, UNKNOWN)
        more = len(self.screen.govs) - self._columns["gov_first"].size
        if more > 0:
            self._columns["gov_first"].pad(more, UNKNOWN)
            self._columns["gov_count"].pad(more, 0)

    def key(self, cp: int) -> str:
        """The key of a code period's code."""
        return self.facts(cp)[0]

    def shown(self, cp: int) -> str:
        """The display form of a code period's code."""
        return self.facts(cp)[1]

    def period(self, cp: int) -> Period:
        """The validity period a code period stands for."""
        return self.facts(cp)[2]

    def facts(self, cp: int) -> tuple[str, str, Period]:
        """A code period's key, display form and period (kept once asked)."""
        got = self._facts.get(cp)
        if got is None:
            shown = self.pieces.get(int(self.cp["shown"][cp]))
            key = codes.key(shown)
            got = self._facts[cp] = (key, shown, self.kb.periods(key)[int(self.cp["period"][cp])])
        return got

    def glue(self, cps: Ints) -> Ints:
        """Each code period's display form followed by each of GLUES, as pieces: made (kept) for
        those of *cps* that lack them; returns every code period's, at ``cp * len(GLUES) + glue``."""
        glued, width = self._glued, len(GLUES)
        more = len(self.cp["shown"]) * width - glued.size
        if more > 0:
            glued.pad(more, -1)
        missing = _distinct(cps[glued.data[cps * width] < 0])
        if missing.size:
            text = self.pieces.text
            shown = self.cp["shown"][missing]
            glued.data[missing * width] = shown
            self.pieces.need(shown)
            codes = [text[p] for p in shown.tolist()]
            for g in range(1, width):
                glued.data[missing * width + g] = len(text) + np.arange(len(codes))
                text.extend([code + GLUES[g] for code in codes])
        return glued.data

    def governing(self, cp: int) -> Governing:
        """The notes governing a code period's code (worked out again after loading: only the
        per-record work needs them)."""
        return self.cache.governing(self.key(cp))

    def number(self, raw: object) -> int:
        """The number of a code as typed, compiled when first met (-1 when it is not a code of
        the release valid on some date, or not as ``encounter_codes`` leaves it: the rules read
        it then)."""
        got = self.numbers.get(raw) if type(raw) is str else -1
        if got is None:
            assert isinstance(raw, str)
            got = self._saved_number(raw)
            if got is None:
                got = self._compile_code(raw)
        return got

    def _saved_number(self, raw: str) -> int | None:
        """The number of *raw* in the saved tables (kept in :attr:`numbers`), None when it has
        none there. Looked up one by one (a claim's codes), then all read at once (a batch)."""
        if self._saved_numbers is None:
            return None
        codes, values = self._saved_numbers
        self._numbers_by_one += 1
        if self._numbers_by_one > NUMBERS_BY_ONE:
            self.read_all()
            return self.numbers.get(raw)
        if not raw.isascii() or "\0" in raw or len(raw) > codes.dtype.itemsize:
            return None  # (a fixed-width byte string cannot hold it)
        key = raw.encode()
        at = int(np.searchsorted(codes, key))
        if at == len(codes) or codes[at] != key:
            return None
        got = self.numbers[raw] = int(values[at])
        return got

    def read_all(self) -> None:
        """Read every saved number and text piece now (a batch's chunk needs most of them: one
        read each beats thousands of lookups)."""
        self.pieces.need_all()
        if self._saved_numbers is not None:
            codes, values = self._saved_numbers
            self._saved_numbers = None
            for code, value in zip(codes.tolist(), values.tolist(), strict=True):
                self.numbers.setdefault(code.decode(), value)

    def kinds(self, cell: Ints) -> Ints:
        """What each cell holds, worked out once."""
        kind = self.cells()[0]
        got = kind[cell]
        fresh = _distinct(cell[got < 0])
        if len(fresh):
            for c in fresh.tolist():
                found = self.screen.cells[c]
                assert found is not SAVED  # a saved cell's kind was saved with it
                kind[c] = 0 if found is None else (NAMED if found.named else 0) | (
                    (EXACT if found.exact else INEXACT) if found.excludes else 0)
            got = kind[cell]
        return got

    def exact(self, cell: Ints, owner: Ints, gid: Ints) -> Ints:
        """The group of the Excludes findings of each exact cell for a code of screen *gid*, the
        notes' owner (1) or a descendant (0)."""
        _, by_other, by_owner = self.cells()
        got = np.where(owner == 1, by_owner[cell], by_other[cell])
        if (got == 0).any():
            for c, own, g in zip(cell[got == 0].tolist(), owner[got == 0].tolist(), gid[got == 0].tolist(),
                                 strict=True):
                self._compile_exact(c, own, g)
            got = np.where(owner == 1, by_owner[cell], by_other[cell])
        return got - 1

    def named(self, cell: int, gid: int) -> int:
        """Which instructions of screen *gid* name every code of *cell* (Governing.instructions_in)."""
        self._grow()
        column = self._columns["cell_named"].data
        got = int(column[cell])
        if got == UNKNOWN:
            got = column[cell] = self.screen.govs[gid].instructions_in(cell - self.screen.base(gid))
        return got

    def instructions(self, gid: int) -> tuple[int, int]:
        """Where the instructions of screen *gid* start in the instruction columns, and how many:
        each one's kind and its findings when none of its codes is on the claim."""
        self._grow()
        first, count = self._columns["gov_first"].data, self._columns["gov_count"].data
        if first[gid] == UNKNOWN:
            first[gid] = self._columns["ins_kind"].size
            gov = self.screen.govs[gid]
            count[gid] = len(gov.instructions)
            for ins in gov.instructions:
                self._columns["ins_kind"].extend([CODE_FIRST if ins.kind == "code_first" else 0])
                for name, (listed_first, manifestation) in zip(INSTRUCTION_COLUMNS[1:], _ROLES, strict=True):
                    found = instruction_templates(self.cache, ins, listed_first, manifestation)
                    self._columns[name].extend([self.groups.of(found)])
        return int(first[gid]), int(count[gid])

    def instruction(self, column: str) -> Ints:
        """An instruction column (INSTRUCTION_COLUMNS), by instruction."""
        return self._columns[column].data

    def hcc_group(self, cp: int, year: int) -> int:
        """The HCC findings of a code period for a payment year."""
        got = self.hcc.get((cp, year))
        if got is None:
            keys, groups = self._saved_hcc
            at = int(np.searchsorted(keys, cp * _YEARS + year))
            if at < len(keys) and keys[at] == cp * _YEARS + year:
                got = self.hcc[cp, year] = int(groups[at])
                return got
            found = hcc_findings(self.cache, self.key(cp), self.shown(cp), year)
            got = self.hcc[cp, year] = self.groups.of(found)
        return got

    def sex_unchecked(self, sex: str) -> int:
        """The group saying a patient's *sex* (F, M) was not checked (sex_unchecked_templates)."""
        got = self._sex.get(sex)
        if got is None:
            got = self._sex[sex] = self.groups.of(sex_unchecked_templates(self.cache, sex))
        return got

    def pdx(self) -> Ints:
        """Every MS-DRG PDX exclusion (collection, principal) as collection * span + the principal's
        rank, sorted."""
        if self._pdx is None:
            rank, span = self.screen.rank, self.screen.span
            pairs = [c * span + r for c, k in self.kb.pdx_exclusions() if (r := rank(k)) is not None]
            self._pdx = _distinct(np.array(pairs, dtype=np.int64))
        return self._pdx

    # -- compiling -------------------------------------------------------------------------

    def _compile_code(self, raw: str) -> int:
        sp = self.cache.spelling(raw)
        if sp.node is None or sp.key is None or not sp.periods or not raw or raw != raw.strip():
            got = -1
        else:
            got = self._columns["code_first"].size + len(self._pending["code_first"])
            first = self._columns["period_cp"].size + len(self._pending["period_cp"])
            self._pending["code_first"].append(first)
            self._pending["code_count"].append(len(sp.periods))
            for i, p in enumerate(sp.periods):
                self._pending["period_start"].append(_ordinal(p.start))
                self._pending["period_end"].append(_ordinal(p.end))
                self._pending["period_cp"].append(self._compile_cp(sp, i, p))
        self.numbers[raw] = got
        return got

    def _compile_cp(self, sp: Spelling, i: int, p: Period) -> int:
        """A new code period: what the rules say of the code on its own in period *p*."""
        cache, group = self.cache, self.groups.of
        gov = sp.governing
        manifestation = sp.elsewhere or "manifestation" in p.flags
        sev, hcc = sp.info
        cc = (group(cc_templates(cache, sev, "principal")), group(cc_templates(cache, sev, "secondary")),
              sev[1] if sev[1] is not None else NONE) if sev is not None else (NONE, NONE, NONE)
        principal = [group(principal_templates(cache, p, setting, several)) if p.flags else NONE
                     for setting in SETTINGS for several in (False, True)]
        rank = self.screen.rank(sp.key or "")
        assert rank is not None  # (a code with periods is a key of the release)
        values = (self.screen.gid(gov), rank, self.pieces.of(sp.shown),
                  int(sp.shown == gov.owner), i, group(absent_templates(cache, gov, False, manifestation)),
                  group(absent_templates(cache, gov, True, manifestation)), *cc, int(hcc),
                  int(not _DEMOGRAPHIC.isdisjoint(p.flags)), int(bool(p.flags)), int(manifestation),
                  *principal, *(group(r.templates(cache, sp.key or "", p)) for r in registered()))
        cp = self._columns["cp_gid"].size + len(self._pending["cp_gid"])
        for name, value in zip(CP_COLUMNS, values, strict=True):
            self._pending[f"cp_{name}"].append(value)
        return cp

    def _compile_exact(self, c: int, owner: int, gid: int) -> None:
        found = self.screen.cells[c]
        assert found is not None and found is not SAVED  # a saved cell's groups were saved with it
        column = self.cells()[1 + owner]
        column[c] = self.groups.of(exact_templates(self.cache, self.screen.govs[gid], found, bool(owner))) + 1

    def compile_all(self) -> None:
        """Compile every billable code of the release (as displayed), every cell of the screens
        governing them, and their HCC findings for the payment years of the release's dates."""
        for code in self.kb.iter_codes(billable_only=True):
            self.number(code.code)
        self.sync()
        screen = self.screen
        base = screen.arrays()["base"]  # (which works out every cell)
        kind = self.kinds(np.arange(len(screen.cells), dtype=np.int64))
        gid = np.searchsorted(base, np.arange(len(kind)), side="right") - 1
        for c in np.flatnonzero(kind & EXACT).tolist():
            for owner in (0, 1):
                self._compile_exact(c, owner, int(gid[c]))
        for c in np.flatnonzero(kind & NAMED).tolist():
            self.named(c, int(gid[c]))
        for g in range(len(screen.govs)):
            self.instructions(g)
        year = int(self.kb.effective[:4])
        for cp in np.flatnonzero(self.cp["hcc"]).tolist():
            for payment in (year, year + 1):  # dates of service in the release's fiscal year
                self.hcc_group(cp, payment)
        self.pdx()
        self.sync()

    # -- the tables in the store ------------------------------------------------------------

    @classmethod
    def open(cls, checker: Rules) -> Tables:
        """The tables of *checker*'s knowledge base, as compiled into it at build. A store built
        without them (or by another icdkit) is completed once (store.complete); one that cannot
        be (read-only, damaged) leaves the tables to be compiled here, in memory."""
        kb = checker.kb
        read: Read = functools.partial(kb.compiled, STAGE, version())
        saved = read(skip=PIECES)
        if saved is None:
            try:
                path = store.complete(kb.path, (stage(),))
                con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
                read = functools.partial(store.read_compiled, con, STAGE, version())
                saved = read(skip=PIECES)
            except (IcdkitError, OSError, sqlite3.Error):
                saved = None
        if saved is not None:
            return cls(checker, saved, lambda names: _read_all(read, names))
        got = cls(checker)
        got.compile_all()
        return got

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        """Every table, as named arrays (what :meth:`open` restores)."""
        sex = np.array([self.sex_unchecked(s) for s in "FM"], dtype=np.int64)  # (groups first: saved below)
        self.sync()
        arrays: dict[str, Any] = {name: column.view() for name, column in self._columns.items()}
        arrays.update(self.groups.arrays())
        arrays.update({f"screen_{k}": v for k, v in self.screen.arrays().items()})
        for k, block in enumerate(self.pieces.blocks()):
            arrays[f"{PIECES}{k}"] = _joined(block)
        arrays["piece_count"] = np.array(len(self.pieces.text), dtype=np.int64)
        arrays["screen_keys"] = _fixed(list(self.screen.keys))
        numbers = sorted(self.numbers.items())
        arrays["number_codes"] = _fixed([code for code, _ in numbers])
        arrays["number_values"] = np.array([n for _, n in numbers], dtype=np.int64)
        hcc = [(cp, year, g) for (cp, year), g in self.hcc.items()]
        arrays["hcc"] = np.array(hcc, dtype=np.int64).reshape(-1, 3)
        arrays["pdx"] = self.pdx()
        arrays["sex_unchecked"] = sex
        for name, values in arrays.items():  # the numbers here fit in 32 bits: half the bytes
            if values.dtype == np.int64 and (not values.size
                                             or -(2**31) <= values.min() <= values.max() < 2**31):
                arrays[name] = values.astype(np.int32)
        return arrays


def compile_tables(path: Path) -> dict[str, npt.NDArray[Any]]:
    """The rule tables of the store file *path* (the build's finished facts): every billable
    code compiled (:meth:`Tables.compile_all`). The store's build runs this (see :func:`stage`)."""
    with KnowledgeBase(path) as kb:
        kb.preload()
        tables = Tables(Rules(kb))
        tables.compile_all()
        return tables.arrays()


def stage() -> store.Stage:
    """The rule tables as a stage of the store's build (store.Stage): the layers that open or
    build a store (workbench, cli, frames) pass it down, so the tables are compiled at build
    and the evaluator only loads them."""
    return store.Stage(STAGE, version(), compile_tables)


def _ordinal(day: str) -> int:
    return dt.date.fromisoformat(day).toordinal()


def _joined(texts: list[str]) -> npt.NDArray[np.uint8]:
    assert not any("\0" in t for t in texts)  # JSON text and codes never hold NUL
    return np.frombuffer("\0".join(texts).encode(), dtype=np.uint8)


def _texts(joined: npt.NDArray[np.uint8]) -> list[str]:
    return joined.tobytes().decode().split("\0")


def _fixed(texts: list[str]) -> npt.NDArray[np.bytes_]:
    """ASCII texts (codes, keys: never NUL) as one fixed-width byte array."""
    assert all(t.isascii() and "\0" not in t for t in texts)
    return np.array([t.encode() for t in texts], dtype=f"S{max(map(len, texts), default=1) or 1}")


def _distinct(values: Ints) -> Ints:
    """The distinct values, sorted (np.unique, which imports numpy.ma: ~25 ms of a cold check)."""
    if len(values) < 2:
        return values.copy()
    ordered = np.sort(values)
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def _read_all(read: Read, names: list[str]) -> list[npt.NDArray[Any]]:
    """The saved arrays *names*, in turn (a store that lost one is damaged)."""
    got = read(only=names)
    if got is None or any(n not in got for n in names):
        raise IcdkitError("the store's rule tables are incomplete; rebuild it with `icdkit build`")
    return [got[n] for n in names]
