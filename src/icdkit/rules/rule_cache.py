"""Per-knowledge-base memo of what rules ask about codes again and again (batch checks).

Per spelling of a code: its node, validity periods, what governs it (governing_notes.py) and its
MS-DRG / HCC facts. Per finding shape: its template, rendered once (finding_templates.py). Per encounter:
the pairs of codes the governing notes may relate, each with its cell of the screen.
Every memo keyed by what a caller asks (spellings, dates, finding shapes) is bounded by
count (MEMO_LIMIT) and by bytes (:class:`icdkit.memo.Memo`), so memory stays flat however
long the batch, or however many made-up codes a server is sent; the ones keyed by the
release's own nodes and notes are bounded by the release.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterable

from icdkit.kb import KnowledgeBase
from icdkit.memo import ENTRY, Memo, approx_size
from icdkit.models import Note
from icdkit.refs import Ref, RefSet
from icdkit.rules.context import Spelling, resolve
from icdkit.rules.finding_templates import FIRST, SECOND, Template, json_safe
from icdkit.rules.findings import Finding, Source
from icdkit.rules.governing_notes import UNGOVERNED, Excludes, Governing, Instruction, group

MEMO_LIMIT = 200_000
MEMO_BYTES = 8 << 20  # per memo keyed by what callers ask

HCC_MODEL = "CMS-HCC Model V28"

#: The title phrase that marks a manifestation code (ICD-10-CM conventions).
ELSEWHERE = "in diseases classified elsewhere"


_EXCLUDES = ("excludes1", "excludes2")
_SEQUENCING = ("code_first", "use_additional", "code_also")


def _spelling_bytes(raw: str, sp: Spelling) -> int:
    """What one memoised spelling holds of its own: the entry, the typed code and the record with
    its strings, periods and facts. Its node and governing notes are the knowledge base's and
    this cache's (shared, held anyway): weighing them deeply made compiling a release's 74,000
    codes spend most of its time in :func:`~icdkit.memo.approx_size`."""
    return (ENTRY + approx_size(raw) + sys.getsizeof(sp) + approx_size(sp.shown) + approx_size(sp.problem)
            + approx_size(sp.periods) + approx_size(sp.info))


class RuleCache:
    """What the rules ask of one knowledge base, computed once and kept (bounded)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._governing: dict[str, Governing] = {}
        self._manifest: dict[Ref, bool] = {}
        self._memo: dict[tuple[object, ...], tuple[Template, ...]] = Memo("rules.findings", MEMO_BYTES)
        self._templates: dict[tuple[object, ...], tuple[Template, ...]] = Memo("rules.templates", MEMO_BYTES)
        # what spelling() returned, by the code as typed
        self.spellings: dict[str, Spelling] = Memo("rules.spellings", MEMO_BYTES, _spelling_bytes)
        self._sources: dict[int, tuple[Note, Source]] = {}  # id of a note -> (it, its Source)
        self._days: dict[dt.date, str] = Memo("rules.days", 1 << 20)
        self._ages: dict[str, dict[str, tuple[int, int]]] = Memo("rules.age_ranges", 1 << 20)
        #: the first and last day any MCE sex edit is in force (None: the table holds none)
        self.sex_edits = kb.edit_span("female", "male")

    def memo(self, key: tuple[object, ...], make: Callable[..., Iterable[Finding]],
             *args: object) -> tuple[Template, ...]:
        """Findings ``make(*args)`` that depend only on *key* (a code, a date …), computed once
        and rendered once (templates without placeholders).

        Bounded: at MEMO_LIMIT entries the memo starts afresh, so memory stays flat however
        long the batch and however many distinct codes and dates it holds.
        """
        got = self._memo.get(key)
        if got is None:
            got = tuple(Template(f) for f in make(*args))
            if len(self._memo) >= MEMO_LIMIT:
                self._memo.clear()
            self._memo[key] = got
        return got

    def templated(self, key: tuple[object, ...], make: Callable[..., Iterable[Finding]],
                  *args: object) -> tuple[Template, ...]:
        """Findings ``make(*args)`` that depend on *key* and, in their codes and message, on
        the display forms of one or two codes: *make* writes FIRST and SECOND in their place
        (the sink fills them in), so it never sees a code, only the facts the key names.

        Many codes share a template (an instruction inherited from a category, an MCE edit in
        force over a period), so memory does not grow with the number of distinct codes.
        """
        got = self._templates.get(key)
        if got is None:
            made = tuple(make(*args))
            for f in made:
                fixed = f"{f.source.text}{f.source.at}{f.source.table}{''.join(f.suggestions)}"
                assert FIRST not in fixed and SECOND not in fixed, f  # only codes and message vary
            got = tuple(Template(f) for f in made)
            if len(self._templates) >= MEMO_LIMIT:
                self._templates.clear()
            self._templates[key] = got
        return got

    def day(self, date: dt.date) -> str:
        """ISO form of a date of service, checked against the validity table's horizon once
        per distinct date (InvalidInput beyond it)."""
        got = self._days.get(date)
        if got is None:
            got = self.kb.check_date(date)
            if len(self._days) >= MEMO_LIMIT:
                self._days.clear()
            self._days[date] = got
        return got

    def age_ranges(self, day: str) -> dict[str, tuple[int, int]]:
        """The MCE age ranges in force on *day* (shared: read, never change)."""
        got = self._ages.get(day)
        if got is None:
            got = self.kb.age_ranges(on=day)
            if len(self._ages) >= MEMO_LIMIT:
                self._ages.clear()
            self._ages[day] = got
        return got

    def spelling(self, raw: str) -> Spelling:
        """What a code as typed resolves to (see :func:`resolve`) and, for a node of the
        release, what governs it and its MS-DRG / HCC facts: memoised per spelling."""
        got = self.spellings.get(raw)
        if got is None:
            key, problem, node, shown, periods = resolve(self.kb, raw)
            # templates are filled with codes' display forms, unescaped (see Template.json)
            assert key is None or json_safe(shown), shown
            if node is not None and key is not None:
                info = (self.kb.severity(key), self.kb.has_hcc(key, HCC_MODEL))
                got = Spelling(key, problem, node, shown, periods, self.governing(key), info,
                               ELSEWHERE in node.title.lower())
            else:
                got = Spelling(key, problem, node, shown, periods)
            if len(self.spellings) >= MEMO_LIMIT:
                self.spellings.clear()
            self.spellings[raw] = got
        return got

    def note_source(self, note: Note) -> Source:
        """The Source citing a note; one object per note, so its JSON is rendered once."""
        got = self._sources.get(id(note))
        if got is None:
            got = (note, Source("note", note.text, at=note.source, release=self.kb.release))
            self._sources[id(note)] = got
        return got[1]

    def governing(self, key: str) -> Governing:
        """The Excludes and instructions governing a node, and their screen: its own notes,
        then its parent's. A node with no such notes of its own shares its parent's."""
        got = self._governing.get(key)
        if got is None:
            node = self.kb.find(key)
            inherited = self.governing(node.parent_key) if node and node.parent_key else UNGOVERNED
            own = [n for n in self.kb.notes(key) if n.kind in _EXCLUDES or n.kind in _SEQUENCING]
            if own and node is not None:
                got = Governing(self._excludes(own, inherited.excludes),
                                self._sequencing(key, own, inherited.instructions), node.code)
            else:
                got = inherited
            self._governing[key] = got
        return got

    def _excludes(self, notes: list[Note], inherited: Excludes) -> Excludes:
        own = [n for n in notes if n.kind in _EXCLUDES]
        if not own:
            return inherited
        pairs = [(n, r) for n in own for r in n.refs]
        return Excludes((*(n for n, _ in pairs), *inherited.notes),
                        RefSet([*(r for _, r in pairs), *inherited.refs.refs]),
                        (*(self.note_source(n) for n, _ in pairs), *inherited.sources))

    def _sequencing(self, key: str, notes: list[Note], inherited: tuple[Instruction, ...]
                    ) -> tuple[Instruction, ...]:
        own = group([n for n in notes if n.kind in _SEQUENCING])
        last, first = (own[-1], inherited[0]) if own and inherited else (None, None)
        if last and first and (last.kind, last.source) == (first.kind, first.source):
            return group(self.kb.effective_notes(key, kinds=_SEQUENCING))  # one run across two nodes
        return (*own, *inherited) if own else inherited

    def names_manifestation(self, ref: Ref) -> bool:
        """Whether a reference covers a manifestation ('in diseases classified elsewhere') code."""
        got = self._manifest.get(ref)
        if got is None:
            got = any(ELSEWHERE in c.title.lower() for c in self.kb.resolve(ref))
            self._manifest[ref] = got
        return got
