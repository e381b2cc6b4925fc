"""The batch's columnar checker: the JSON Lines results of a chunk of rows, worked out in arrays.

A batch row holds ~7 codes and gets ~20 findings. Made one rule call at a time in Python
objects (check.py) that costs ~100 µs a row; here a chunk's codes, pairs and findings are numpy
arrays, and the steps that touch every code, pair or text piece are kernels (kernels.py: C when
the accelerator was built at install from native/, else Python/numpy; the same results):
reading the rows, the pair screen, assembling the lines.

0. Rows are read by a kernel (``kernels.read``): a JSON line in the form JSON writers give it from
   its bytes, a dict from its fields; the codes' numbers looked up, the patient found or made
   (``_patient``). Other rows go through ``_read_row`` (json, ``encounter_codes``).
1. Each code is resolved, on its row's date, to a *code period* (cp): what the rules say of
   the code on its own in the validity period covering the date, compiled into tables when
   the knowledge base is built and loaded from it (rule_tables.py), as groups of finding templates
   (finding_text.py).
2. The pair screen (``Screen.live``, a kernel) gives every pair of a row's codes that a note of the first
   may name, and the cell it falls in; the Excludes findings of a cell are a group too.
3. Every finding is a record (row, rule family, positions, group, codes), and the chunk's
   findings are sorted into the order check.py puts them in: by severity, then the order the
   rules run (codes, excludes, sequencing, MCE per code, MCE principal, information), then
   the codes' positions.
4. A template is a run of text pieces with holes for the codes. ``kernels.lines`` sorts each
   row's findings and copies their pieces, from the pieces' native arena, into one text.

What varies per row, and is rare, is made per record by the rules' own functions: the age and
sex edits a code fails (``conflicts``), what an instruction says when it may name another code
of the claim (``instructed``), Excludes with qualifiers, a CC the principal excludes, what is
said of a code not valid on the date, not in the release or listed twice (``code_findings``,
``duplicate``), each a group of literal findings of its record (``Groups.literal``). A row that
cannot be read or fails validation is answered with an ``invalid-input`` finding. Every row of
a chunk gets its line here: none is handed back, and there is no other way to check a row
(the per-row checker of old, held equal to this on 100,000 random encounters, is deleted).

>>> from icdkit import KnowledgeBase
>>> from icdkit.rules.encounters import Rules
>>> [run] = Columnar(Rules(KnowledgeBase.open())).lines([(1, {"id": "a", "codes": ["M54.2", "M50.20"]})])
>>> run.rows, run.errors, '"rule": "excludes1"' in run.text
(1, 1, True)
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from json.encoder import encode_basestring_ascii as _json_str
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from icdkit.errors import IcdkitError
from icdkit.rules import kernels
from icdkit.rules.catalogue import severity
from icdkit.rules.code_rules import registered
from icdkit.rules.codeset import code_findings, duplicate
from icdkit.rules.context import Context
from icdkit.rules.encounters import MAX_CODES, Rules, encounter, encounter_codes, patient
from icdkit.rules.excludes import inexact_templates
from icdkit.rules.finding_text import GLUES, NONE
from icdkit.rules.findings import SEVERITIES, Finding, Source
from icdkit.rules.info import cc_role, cc_templates, hcc_year
from icdkit.rules.mce import conflicts, principal_templates
from icdkit.rules.render import HEAD, finding_json
from icdkit.rules.rows import Row, readable
from icdkit.rules.rule_tables import CODE_FIRST, EXACT, INEXACT, NAMED, SETTINGS, Tables
from icdkit.rules.sequencing import instructed

Ints = npt.NDArray[np.int64]
Flags = npt.NDArray[np.bool_]

#: the rule families, in the order check.py runs them
CODES, EXCLUDES, SEQUENCING, MCE, PRINCIPAL, INFO = range(6)
#: where a rule of a catalogue family stands among a row's findings of one severity
FAMILY = {"codeset": CODES, "excludes": EXCLUDES, "sequencing": SEQUENCING, "mce": MCE, "info": INFO}
LIMIT = 2_000_000  # pieces, code periods or patients kept before starting afresh from the saved tables
WHOLE = 64  # rows of a chunk from which the saved tables are read whole (a batch), not by key (a claim)

#: a row this covers: (index in the chunk, id, day of service, its ordinal, age, sex, setting,
#: number of codes)
Kept = tuple[int, str, str, int, int | None, str | None, int, int]
#: a row's age, sex, date of service and setting as given -> (day, its ordinal, age, sex, setting:
#: 0 when not given, 1 inpatient, 2 outpatient)
Patient = tuple[str, int, int | None, str | None, int]


def _ordinal(day: str) -> int:
    return dt.date.fromisoformat(day).toordinal()


class Run(NamedTuple):
    """The result lines of consecutive rows of a chunk, as one text."""

    text: str
    rows: int
    errors: int  # rows with an error-level finding
    invalid: int = 0  # rows that could not be read (answered with invalid-input)


class _Records:
    """A chunk's findings, as records of groups (each group's templates become findings): in
    arrays, one by one, and findings made per record (literals, given a group at the end)."""

    def __init__(self) -> None:
        self.parts: list[tuple[Ints, ...]] = []
        self.ones: list[tuple[int, int, int, int, int, int]] = []
        self.literals: list[tuple[int, int, int, int, int, Finding]] = []

    def add(self, row: Ints, family: int, pos_a: Ints, pos_b: Ints | int, group: Ints, first: Ints,
            second: Ints | int, order: int = 0) -> None:
        """Findings of *group* (one per record; NONE dropped) at *family*, with *order* placing
        groups of one family and positions among each other."""
        keep = group != NONE
        if not keep.all():
            row, pos_a, group, first = row[keep], pos_a[keep], group[keep], first[keep]
            pos_b = pos_b[keep] if isinstance(pos_b, np.ndarray) else pos_b
            second = second[keep] if isinstance(second, np.ndarray) else second
        n = len(row)
        if n:
            key = (family * 128 + pos_a) * 128 + pos_b  # 17 bits: positions are under MAX_CODES
            self.parts.append((key, row, group, first, np.broadcast_to(np.int64(second), n) if not
                               isinstance(second, np.ndarray) else second, np.full(n, order, dtype=np.int64)))

    def one(self, row: int, family: int, pos_a: int, pos_b: int, group: int, first: int, second: int,
            order: int) -> None:
        if group != NONE:
            self.ones.append(((family * 128 + pos_a) * 128 + pos_b, row, group, first, second, order))

    def arrays(self) -> tuple[Ints, ...]:
        parts = self.parts
        if self.ones:
            ones = np.array(self.ones, dtype=np.int64)
            parts = [*parts, tuple(ones.T)]
        if not parts:
            return tuple(np.zeros(0, dtype=np.int64) for _ in range(6))
        return tuple(np.concatenate(column) for column in zip(*parts, strict=True))


class Columnar:
    """The evaluator of one knowledge base's encounters, a chunk at a time (see the module);
    one chunk at a time, too, when threads share it (check.Checker shares one per knowledge base)."""

    def __init__(self, checker: Rules) -> None:
        self.checker = checker
        self.cache = checker.cache
        self._lock = threading.Lock()
        self._fresh()

    def _fresh(self) -> None:
        self.tables = Tables.open(self.checker)
        self._index = kernels.index()  # a mirror of tables.numbers (kernels.read; none in the pure set)
        self._patients: dict[tuple[Any, ...], Patient] = {}
        self._invalid: dict[int, Run] = {}  # by index in the chunk: the rows that cannot be read
        self._contexts: dict[int, Context] = {}  # by index in the chunk: rows with a code not reportable

    def lines(self, rows: Sequence[Row]) -> list[Run]:
        """The result lines of *rows*, in order, as runs of consecutive rows' lines (a row that
        cannot be read is a run of its own, answered with ``invalid-input``)."""
        with self._lock:
            return self._lines(rows)

    def _lines(self, rows: Sequence[Row]) -> list[Run]:
        tables = self.tables
        if max(len(tables.pieces.text), len(tables.numbers), len(self._patients)) > LIMIT:
            self._fresh()  # memory stays flat however many distinct codes, findings and patients
        if len(rows) >= WHOLE:
            self.tables.read_all()
        self._invalid, self._contexts = {}, {}
        kept, occ = self._read(rows)
        if not kept:
            return [self._invalid[k] for k in range(len(rows))]
        return self._check(rows, kept, occ)

    def _read(self, rows: Sequence[Row]) -> tuple[list[Kept], Ints]:
        """The rows this covers, each (index, id, day, its ordinal, age, sex, setting, codes),
        and the number of each of their codes, in turn: by a kernel (kernels.read) for a row whose
        codes were met before, else by :meth:`_read_row`."""
        kept, occ = kernels.read(list(rows), self.tables.numbers, self._index, self._patients, self._patient,
                         MAX_CODES, self._read_row)
        return kept, np.frombuffer(occ, dtype=np.int64)

    def _read_row(self, k: int, item: Row) -> tuple[Kept, list[int]] | None:
        """Row *k* as :meth:`_read` gives it, with its codes' numbers, or None when it cannot
        be checked (then answered: :meth:`_unreadable`). Input as JSON gives it is read here;
        any other row (codes in another form, a code not reportable on any date or as typed, a
        patient this does not take as given) is read as the rules read it: its context."""
        n, row = item[0], readable(item[1])
        if isinstance(row, str):
            self._unreadable(k, n, f"row {n}", row)
            return None
        rid = str(row.get("id") or f"row {n}")
        codes = row.get("codes")
        seen = self._patient((row.get("age"), row.get("sex"), row.get("date"), row.get("setting")))
        got = [-1]
        try:
            if seen is not None:
                if type(codes) is not list or not 0 < len(codes) <= MAX_CODES:
                    codes = encounter_codes(codes or "")
                got = [self.tables.number(raw) for raw in codes]
        except (IcdkitError, TypeError, ValueError):
            pass  # the context says why
        if seen is None or -1 in got:
            try:
                ctx = self._context(row)
                got = [self.tables.number(i.raw) if i.valid and i.node is not None else -1 for i in ctx.items]
            except (IcdkitError, TypeError, ValueError) as exc:
                self._unreadable(k, n, rid, str(exc))
                return None
            self._contexts[k] = ctx
            enc = ctx.encounter
            setting = None if enc.setting is None else enc.setting == "inpatient"
            seen = (ctx.day, _ordinal(ctx.day), enc.age, enc.sex, SETTINGS.index(setting))
        return (k, rid, *seen, len(got)), got

    def _context(self, row: dict[str, Any]) -> Context:
        """A row's codes resolved on its date of service, as the rules resolve them."""
        return self.checker.prepare(encounter(row.get("codes") or "", age=row.get("age"), sex=row.get("sex"),
                                              date=row.get("date"), setting=row.get("setting")))

    def _unreadable(self, k: int, n: int, rid: str, problem: str) -> None:
        """Row *k* (row *n* of the input, its id *rid*), which cannot be checked: it cannot be
        read, or ``encounter`` rejects it. Its line, an ``invalid-input`` finding saying why
        (*problem*), is kept for :meth:`lines`."""
        f = Finding("invalid-input", severity("invalid-input"), (), f"{rid}: {problem}",
                    Source("input", f"batch row {n}"))
        error = f.severity == SEVERITIES[0]
        line = f"{HEAD[0]}{_json_str(rid)}{HEAD[2 if error else 1]}{finding_json(f)}{HEAD[3]}"
        self._invalid[k] = Run(line, 1, int(error), 1)

    def _patient(self, given: tuple[Any, ...]) -> Patient | None:
        """What ``patient`` makes of a row's age, sex, date and setting, kept; None when it
        rejects them (the rules say why)."""
        try:
            got = self._patients.get(given)  # (a list in the row cannot be a key: TypeError)
            if got is None:
                age, sex, date, setting = patient(*given)
                day = self.cache.day(date) if date is not None else self.checker.kb.effective
                got = (day, dt.date.fromisoformat(day).toordinal(), age, sex,
                       SETTINGS.index(None if setting is None else setting == "inpatient"))
                self._patients[given] = got
        except (IcdkitError, TypeError, ValueError):
            return None
        return got

    def _check(self, rows: Sequence[Row], kept: list[Kept], occ: Ints) -> list[Run]:
        """The findings of the kept rows (their codes' numbers in *occ*), as records, then lines.
        The codes reportable on the row's date (a code period each) are worked out in arrays; a
        row with others (not valid on the date, not in the release, malformed) is *rare*: what
        is said of those comes from its context, per row (:meth:`_rare`)."""
        tables = self.tables
        tables.sync()
        cp = tables.cp
        listed = np.array([r[7] for r in kept], dtype=np.int64)  # each row's number of codes
        row = np.repeat(np.arange(len(kept)), listed)
        pos = np.arange(len(occ)) - np.repeat(np.cumsum(listed) - listed, listed)
        occ, odd = self._code_periods(occ, np.array([r[3] for r in kept], dtype=np.int64)[row])
        rare = np.zeros(len(kept), dtype=bool)
        if odd.any():
            rare[row[odd]] = True
            row, pos, occ = row[~odd], pos[~odd], occ[~odd]
        lens = np.bincount(row, minlength=len(kept)).astype(np.int64)
        rank = cp["rank"][occ]
        records = _Records()
        self._duplicates(records, row, pos, occ, rank, rare)
        named = self._pairs(records, row, pos, occ, rank, lens)
        first = pos == 0
        sequencing = np.where(first, cp["seq1"][occ], cp["seq0"][occ])
        if named:
            sequencing[list(named)] = NONE
            self._instructed(records, named, row, pos, occ)
        records.add(row, SEQUENCING, pos, 0, sequencing, occ, 0)
        for rule in registered():  # the rules of a code on its own (code_rules.py)
            records.add(row, FAMILY[rule.family], pos, 0, cp[f"own_{rule.id}"][occ], occ, 0, order=rule.order)
        self._first_listed(records, kept, row, occ, first, listed)
        self._sex_unchecked(records, kept)
        contexts = {r: self._rare_context(rows, kept[r][0]) for r in np.flatnonzero(rare).tolist()}
        self._info(records, kept, row, pos, occ, first, contexts)
        self._demographic(records, kept, row, pos, occ)
        for r, ctx in contexts.items():
            self._rare(records, r, ctx)
        glued = tables.glue(occ)  # kept pieces, so before the mark
        groups = tables.groups
        mark = groups.mark()  # literals (findings made per record) come after every kept group …
        try:
            for r, family, pos_a, i, order, f in records.literals:
                g = groups.literal(finding_json(f), SEVERITIES.index(f.severity))
                records.one(r, family, pos_a, 0, g, int(occ[i]) if i >= 0 else 0, 0, order)
            return self._write(len(rows), kept, records.arrays(), glued)
        finally:
            groups.reset(mark)  # … and are forgotten with the chunk

    def _rare_context(self, rows: Sequence[Row], k: int) -> Context:
        """The context of rare row *k* of the chunk: made when it was read, or now (a row read
        by a kernel, holding a code not valid on its date)."""
        got = self._contexts.get(k)
        if got is None:
            row = readable(rows[k][1])
            assert isinstance(row, dict)  # (it was read)
            got = self._contexts[k] = self._context(row)
        return got

    def _rare(self, records: _Records, r: int, ctx: Context) -> None:
        """What is said of the codes of row *r* that are not reportable codes of the release on
        its date, from its context: what codeset says of each (and of codes listed twice), and
        the MCE edits of a code valid on the date but not in the release."""
        for item, said in code_findings(ctx, self.cache):
            for j, f in enumerate([said] if isinstance(said, Finding) else [t.fill() for t in said]):
                records.literals.append((r, CODES, item.position, -1, j, f))
        enc = ctx.encounter
        ranges = self.cache.age_ranges(ctx.day) if enc.age is not None else {}
        for item in ctx.items:
            period = item.period
            if item.node is not None or period is None or not period.flags:
                continue  # reportable (the arrays said it all), or nothing the MCE says
            found = conflicts(self.cache, item.shown, period, ctx.day, enc.age, enc.sex, ranges)
            for j, f in enumerate(found):
                records.literals.append((r, MCE, item.position, -1, j - 32, f))
            for rule in registered():
                for t in rule.templates(self.cache, item.key or "", period):
                    records.literals.append((r, FAMILY[rule.family], item.position, -1, rule.order,
                                             t.fill(item.shown)))
            if item.position == 0:
                for t in principal_templates(self.cache, period, ctx.inpatient, len(ctx.items) > 1):
                    records.literals.append((r, PRINCIPAL, 0, -1, 0, t.fill(item.shown)))

    def _duplicates(self, records: _Records, row: Ints, pos: Ints, occ: Ints, rank: Ints, rare: Flags
                    ) -> None:
        """A code listed again: where it was listed first (codeset.duplicate); a rare row's
        are said with its other codes (:meth:`_rare`)."""
        by = np.lexsort((rank, row))  # stable: a row's copies of a code in the order listed
        twice = (row[by][1:] == row[by][:-1]) & (rank[by][1:] == rank[by][:-1])
        if not twice.any():
            return
        starts = np.flatnonzero(np.concatenate(([True], ~twice)))  # where each run of copies starts
        first = by[starts[np.searchsorted(starts, np.arange(1, len(by)), side="right") - 1]]
        for i, f in zip(by[1:][twice].tolist(), first[twice].tolist(), strict=True):
            if rare[row[i]]:
                continue
            finding = duplicate(self.tables.shown(occ[i]), int(pos[f]), int(pos[i]))
            records.literals.append((int(row[i]), CODES, int(pos[i]), i, 0, finding))

    def _code_periods(self, code: Ints, day: Ints) -> tuple[Ints, Flags]:
        """The code period of each code (by number; -1 for none) on its day of service (an
        ordinal), and which codes have none (0 in their place)."""
        t = self.tables
        none = code < 0
        if none.any():
            code = np.where(none, 0, code)
        first, count = t.code_first[code], np.where(none, 0, t.code_count[code])
        got = np.full(len(code), -1, dtype=np.int64)
        for k in range(int(count.max()) if len(count) else 0):
            at = np.minimum(first + k, len(t.period_cp) - 1)
            hit = (k < count) & (t.period_start[at] <= day) & (day <= t.period_end[at])
            got[hit] = t.period_cp[at[hit]]
        missing = got < 0
        got[missing] = 0
        return got, missing

    def _pairs(self, records: _Records, row: Ints, pos: Ints, occ: Ints, rank: Ints, lens: Ints
               ) -> dict[int, list[tuple[int, int]]]:
        """Excludes findings of every pair the screen finds; returns, for each code whose
        instructions may name other codes of its row, those codes (in order) and their cells."""
        t = self.tables
        gid = t.cp["gid"][occ]
        a, b, cell = t.screen.live(gid, rank, lens)
        kind = t.kinds(cell)
        other = rank[a] != rank[b]  # a code listed twice is not excluded by itself
        x = np.flatnonzero(((kind & EXACT) != 0) & other)
        a_x, b_x = a[x], b[x]
        group = t.exact(cell[x], t.cp["owner"][occ[a_x]], gid[a_x])
        records.add(row[a_x], EXCLUDES, pos[a_x], pos[b_x], group, occ[a_x], occ[b_x])
        for i, j in zip(*(v[((kind & INEXACT) != 0) & other].tolist() for v in (a, b)), strict=True):
            gov, key = t.governing(occ[i]), t.key(occ[j])
            found_in = gov.cell(key)  # the Cell itself (a saved screen keeps only what it holds)
            assert found_in is not None
            g = t.groups.of(inexact_templates(self.cache, gov, found_in, t.shown(occ[i]) == gov.owner, key))
            records.one(int(row[i]), EXCLUDES, int(pos[i]), int(pos[j]), g, int(occ[i]), int(occ[j]), 0)
        named: dict[int, list[tuple[int, int]]] = {}
        for i, j, c in zip(*(v[(kind & NAMED) != 0].tolist() for v in (a, b, cell)), strict=True):
            named.setdefault(i, []).append((j, c))
        return named

    def _instructed(self, records: _Records, named: dict[int, list[tuple[int, int]]], row: Ints, pos: Ints,
                    occ: Ints) -> None:
        """The sequencing findings of each code whose instructions may name others of its row:
        an instruction naming none of them says what it says when they are absent; one naming
        some says nothing, but a Code first note naming only codes listed after it (``instructed``)."""
        t = self.tables
        for i, others in named.items():
            cp, r, p = occ[i], int(row[i]), int(pos[i])
            gid = int(t.cp["gid"][cp])
            masks = [(int(pos[j]), t.named(c, gid)) for j, c in others]
            start, count = t.instructions(gid)
            kind = t.instruction("ins_kind")[start:start + count]
            found = early = 0
            for q, mask in masks:
                found |= mask
                early |= mask if q < p else 0
            late = found & ~early  # instructions naming codes listed after this one only
            if min(mask for _, mask in masks) < 0 or any(kind[k] == CODE_FIRST and late >> k & 1
                                                         for k in range(count)):
                self._instructed_by_rules(records, i, others, row, pos, occ)
                continue
            absent = t.instruction(f"ins_absent{int(p == 0)}{int(t.cp['manifestation'][cp])}")
            for k in range(count):
                if not found >> k & 1:
                    records.one(r, SEQUENCING, p, 0, int(absent[start + k]), int(occ[i]), 0, k)

    def _instructed_by_rules(self, records: _Records, i: int, others: list[tuple[int, int]], row: Ints,
                             pos: Ints, occ: Ints) -> None:
        """What ``instructed`` says for a code whose notes name others with a qualifier, or
        call for an error (a Code first note naming codes listed after it)."""
        t = self.tables
        manifestation = bool(t.cp["manifestation"][occ[i]])
        listed = [(t.key(occ[j]), int(pos[j]), t.shown(occ[j])) for j, _ in others]
        r, p = int(row[i]), int(pos[i])
        said_all = instructed(self.cache, t.governing(occ[i]), t.shown(occ[i]), p, manifestation, listed)
        for k, said in enumerate(said_all):
            if isinstance(said, Finding):
                records.literals.append((r, SEQUENCING, p, i, k, said))
            else:
                records.one(r, SEQUENCING, p, 0, t.groups.of(said), int(occ[i]), 0, k)

    def _demographic(self, records: _Records, kept: list[Kept], row: Ints, pos: Ints, occ: Ints) -> None:
        """The age and sex edits each code fails, for this patient on this day (conflicts)."""
        for i in np.flatnonzero(self.tables.cp["demo"][occ]).tolist():
            r = int(row[i])
            _, _, day, _, age, sex, _, _ = kept[r]
            if age is None and sex is None:
                continue
            cp = occ[i]
            shown, period = self.tables.shown(cp), self.tables.period(cp)
            ranges = self.cache.age_ranges(day) if age is not None else {}
            for j, f in enumerate(conflicts(self.cache, shown, period, day, age, sex, ranges)):
                records.literals.append((r, MCE, int(pos[i]), i, j - 32, f))

    def _first_listed(self, records: _Records, kept: list[Kept], row: Ints, occ: Ints, first: Flags,
                      listed: Ints) -> None:
        """The first-listed code's edits, by setting and whether it is alone (principal_templates)."""
        at = np.flatnonzero(first)
        setting = np.array([r[6] for r in kept], dtype=np.int64)[row[at]]
        records.add(row[at], PRINCIPAL, np.zeros(len(at), dtype=np.int64), 0,
                    self.tables.principal[setting * 2 + (listed[row[at]] > 1), occ[at]],
                    occ[at], 0)

    def _sex_unchecked(self, records: _Records, kept: list[Kept]) -> None:
        """A sex given on a date no MCE sex edit is in force: said after the first-listed
        code's edits (Tables.sex_unchecked, naming no code)."""
        span = self.cache.sex_edits
        lo, hi = (_ordinal(span[0]), _ordinal(span[1])) if span is not None else (1, 0)
        for r, one in enumerate(kept):
            sex = one[5]
            if sex is not None and not lo <= one[3] <= hi:
                records.one(r, PRINCIPAL, 0, 0, self.tables.sex_unchecked(sex), 0, 0, 1)

    def _info(self, records: _Records, kept: list[Kept], row: Ints, pos: Ints, occ: Ints, first: Flags,
              contexts: dict[int, Context]) -> None:
        """CC/MCC flags (as principal, as secondary, or excluded by the principal) and HCCs."""
        t = self.tables
        group = np.where(first, t.cp["ccp"][occ], t.cp["ccs"][occ])
        lead = np.full(len(kept), -1, dtype=np.int64)
        lead[row[first]] = occ[first]
        principal = lead[row]  # each code's first-listed, -1 when that is not reportable (a rare row)
        at = np.flatnonzero(~first & (t.cp["coll"][occ] != NONE))
        known = principal[at] >= 0
        for i in at[~known].tolist():  # the principal is not a code of the release on the date
            sev = self.checker.kb.severity(t.key(occ[i]))
            assert sev is not None
            given = contexts[int(row[i])].items[0]
            role = cc_role(self.checker.kb, sev, given.key, given.shown)
            if role != "secondary":
                group[i] = t.groups.of(cc_templates(self.cache, sev, role))
        at = at[known]
        pdx = t.pdx()
        pair = t.cp["coll"][occ[at]] * t.screen.span + t.cp["rank"][principal[at]]
        found = np.minimum(np.searchsorted(pdx, pair), len(pdx) - 1)
        for i in at[pdx[found] == pair].tolist():  # a CC the principal excludes
            sev = self.checker.kb.severity(t.key(occ[i]))
            assert sev is not None
            group[i] = t.groups.of(cc_templates(self.cache, sev, t.shown(principal[i])))
        records.add(row, INFO, pos, 0, group, occ, 0)
        at = np.flatnonzero(t.cp["hcc"][occ])
        year = np.array([hcc_year(r[2]) for r in kept], dtype=np.int64)[row[at]]
        groups = [t.hcc_group(cp, y) for cp, y in zip(occ[at].tolist(), year.tolist(), strict=True)]
        records.add(row[at], INFO, pos[at], 0, np.array(groups, dtype=np.int64), occ[at], 0, order=1)

    def _write(self, n_rows: int, kept: list[Kept], arrays: tuple[Ints, ...], glued: Ints) -> list[Run]:
        """The kept rows' lines from their records, in runs between the rows that cannot be
        read; the codes' pieces are in *glued* (Tables.glue). Put together by a kernel
        (kernels.lines)."""
        t = self.tables
        if t.pieces.partial:  # (the saved pieces are read as needed: one claim's)
            t.pieces.need(t.groups.pieces_of(arrays[2]))
        text, ends, errors = kernels.lines(arrays, t.groups.native(), glued, len(GLUES), t.pieces.native(),
                                           [_json_str(k[1]) for k in kept], HEAD)
        return self._runs(n_rows, kept, text, ends, errors)

    def _runs(self, n_rows: int, kept: list[Kept], text: str, ends: list[int], errors: list[bool]
              ) -> list[Run]:
        """The chunk's rows in order: runs of kept rows' lines (row r's ends at ends[r] in
        *text*), and the lines of the rows that cannot be read (:meth:`_unreadable`)."""
        if len(kept) == n_rows:  # the common chunk: every row here, one run
            return [Run(text, n_rows, sum(errors))]
        got: list[Run] = []
        where = dict.fromkeys(range(n_rows), -1)
        for r, one in enumerate(kept):
            where[one[0]] = r
        first = -1
        for k, r in [*where.items(), (n_rows, -1)]:
            if r >= 0:
                if first < 0:
                    first = r
                last = r
                continue
            if first >= 0:
                got.append(Run(text[ends[first - 1] if first else 0:ends[last]], last - first + 1,
                               sum(errors[first:last + 1])))
                first = -1
            if k < n_rows:
                got.append(self._invalid[k])
        return got
