"""Per-knowledge-base memo of what rules ask about codes again and again (batch checks)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from icdkit.kb import KnowledgeBase
from icdkit.models import Note
from icdkit.refs import Ref, RefSet
from icdkit.rules.context import Context, Item, Spelling, resolve
from icdkit.rules.emit import FIRST, SECOND, Template, json_safe
from icdkit.rules.findings import Finding, Source

MEMO_LIMIT = 200_000

HCC_MODEL = "CMS-HCC Model V28"

#: The title phrase that marks a manifestation code (ICD-10-CM conventions).
ELSEWHERE = "in diseases classified elsewhere"


@dataclass(frozen=True, slots=True)
class Excludes:
    """A code's effective Excludes1/Excludes2 notes, one entry per reference."""

    notes: tuple[Note, ...]  # the note of each reference, by index
    refs: RefSet
    sources: tuple[Source, ...]  # the Source citing each reference's note, by index


@dataclass(frozen=True, slots=True)
class Instruction:
    """One instructional note as printed: the tabular splits a list ("Code first underlying
    disease, such as: …") into several <note> elements; they are one instruction."""

    kind: str
    source: str
    text: str
    refs: RefSet


def group(notes: tuple[Note, ...] | list[Note]) -> tuple[Instruction, ...]:
    """Join consecutive notes of one kind standing on one node into instructions."""
    runs: list[tuple[str, str, str, list[Ref]]] = []
    for n in notes:
        last = runs[-1] if runs else None
        if last is not None and (last[0], last[1]) == (n.kind, n.source):
            sep = " " if last[2].endswith(":") else "; "
            runs[-1] = (n.kind, n.source, f"{last[2]}{sep}{n.text}", [*last[3], *n.refs])
        else:
            runs.append((n.kind, n.source, n.text, list(n.refs)))
    return tuple(Instruction(kind, source, text, RefSet(refs)) for kind, source, text, refs in runs)


_EXCLUDES = ("excludes1", "excludes2")
_SEQUENCING = ("code_first", "use_additional", "code_also")
_NO_EXCLUDES = Excludes((), RefSet(()), ())


@dataclass(frozen=True, slots=True)
class Governing:
    """What governs a node in the pair rules: its effective Excludes and instructions, and
    every reference they make (merged, to screen pairs)."""

    excludes: Excludes
    instructions: tuple[Instruction, ...]
    reach: RefSet


_UNGOVERNED = Governing(_NO_EXCLUDES, (), _NO_EXCLUDES.refs)


def _placeholders(args: tuple[object, ...]) -> list[object]:
    """*args* with the first Item shown as FIRST and the second as SECOND."""
    holes = iter((FIRST, SECOND))
    return [Item(a.position, a.raw, a.key, a.problem, a.node, a.period, next(holes))
            if isinstance(a, Item) else a for a in args]


class RuleCache:
    """Each code's effective excludes references and sequencing notes, computed once."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._governing: dict[str, Governing] = {}
        self._manifest: dict[Ref, bool] = {}
        self._memo: dict[tuple[object, ...], tuple[Template, ...]] = {}
        self._templates: dict[tuple[object, ...], tuple[Template, ...]] = {}
        self._gathered: dict[tuple[object, ...], tuple[Template, ...]] = {}
        self._info: dict[str, tuple[tuple[str, int | None] | None, bool]] = {}
        self._spellings: dict[str, Spelling] = {}
        self._sources: dict[int, tuple[Note, Source]] = {}  # id of a note -> (it, its Source)
        self._named: dict[int, RefSet] = {}  # id of a node's instructions -> their references
        self._near: tuple[Context | None, dict[int, tuple[Item, ...]]] = (None, {})

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
        the display form of the (one or two) Items among *args*: made once with FIRST and
        SECOND in their place, to be filled in by the sink.

        Many codes share a template (an instruction inherited from a category, an MCE edit in
        force over a period), so memory does not grow with the number of distinct codes.
        """
        got = self._templates.get(key)
        if got is None:
            made = tuple(make(*_placeholders(args)))
            for f in made:
                fixed = f"{f.source.text}{f.source.at}{f.source.table}{''.join(f.suggestions)}"
                assert FIRST not in fixed and SECOND not in fixed, f  # only codes and message vary
            got = tuple(Template(f) for f in made)
            if len(self._templates) >= MEMO_LIMIT:
                self._templates.clear()
            self._templates[key] = got
        return got

    def gathered(self, key: tuple[object, ...], make: Callable[..., Iterable[Template]],
                 *args: object) -> tuple[Template, ...]:
        """Templates ``make(*args)`` gathers from the memos above (shared, not copied), once."""
        got = self._gathered.get(key)
        if got is None:
            got = tuple(make(*args))
            if len(self._gathered) >= MEMO_LIMIT:
                self._gathered.clear()
            self._gathered[key] = got
        return got

    def info(self, key: str) -> tuple[tuple[str, int | None] | None, bool]:
        """A code's MS-DRG severity (see KnowledgeBase.severity) and whether it maps to an HCC."""
        got = self._info.get(key)
        if got is None:
            got = self._info[key] = (self.kb.severity(key), bool(self.kb.hcc(key, model=HCC_MODEL)))
        return got

    def spelling(self, raw: str) -> Spelling:
        """What a code as typed resolves to (see :func:`resolve`), memoised per spelling."""
        got = self._spellings.get(raw)
        if got is None:
            got = resolve(self.kb, raw)
            # templates are filled with codes' display forms, unescaped (see Template.json)
            assert got[0] is None or json_safe(got[3]), got
            if len(self._spellings) >= MEMO_LIMIT:
                self._spellings.clear()
            self._spellings[raw] = got
        return got

    def note_source(self, note: Note) -> Source:
        """The Source citing a note; one object per note, so its JSON is rendered once."""
        got = self._sources.get(id(note))
        if got is None:
            got = (note, Source("note", note.text, at=note.source, release=self.kb.release))
            self._sources[id(note)] = got
        return got[1]

    def governing(self, key: str) -> Governing:
        """The Excludes, instructions and references governing a node, computed together (every
        valid code needs all three): its own notes, then its parent's. A node with no such
        notes of its own shares its parent's, not a copy."""
        got = self._governing.get(key)
        if got is None:
            node = self.kb.find(key)
            inherited = self.governing(node.parent) if node and node.parent else _UNGOVERNED
            own = [n for n in self.kb.notes(key) if n.kind in _EXCLUDES or n.kind in _SEQUENCING]
            if own:
                got = Governing(self._excludes(own, inherited.excludes),
                                self._sequencing(key, own, inherited.instructions),
                                RefSet([*(r for n in own for r in n.refs), *inherited.reach.refs]))
            else:
                got = inherited
            self._governing[key] = got
        return got

    def excludes(self, key: str) -> Excludes:
        """The Excludes notes governing a node: its own, then its parent's (shared, not copied)."""
        return self.governing(key).excludes

    def sequencing(self, key: str) -> tuple[Instruction, ...]:
        """A node's instructions: its own, then its parent's (notes of one node group alone)."""
        return self.governing(key).instructions

    def reach(self, key: str) -> RefSet:
        """Every reference of the Excludes and instructions governing a node: a code outside
        them meets no pair rule with this one (own references and the parent's, merged)."""
        return self.governing(key).reach

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

    def named(self, key: str) -> RefSet:
        """Every reference of the instructions governing a node (shared by the nodes that
        inherit the same instructions)."""
        instructions = self.sequencing(key)  # kept in the cache: its id stays its own
        got = self._named.get(id(instructions))
        if got is None:
            got = self._named[id(instructions)] = RefSet([r for i in instructions for r in i.refs.refs])
        return got

    def near(self, ctx: Context) -> dict[int, tuple[Item, ...]]:
        """For each valid item's position, the other valid items its notes may name (often none).

        One bisection per pair; excludes and sequencing then test only these. Kept for the
        last context, which both rules ask about in turn.
        """
        last, got = self._near
        if last is ctx:
            return got
        got = {}
        items = ctx.valid
        if len(items) > 1:
            keyed = [(b, b.key or "") for b in items]
            reach = self.reach
            for a in items:
                edges = reach(a.key or "").edges
                if not edges:
                    continue
                found = tuple(b for b, k in keyed if bisect_right(edges, k) & 1 and b is not a)
                if found:
                    got[a.position] = found
        self._near = (ctx, got)
        return got

    def names_manifestation(self, ref: Ref) -> bool:
        """Whether a reference covers a manifestation ('in diseases classified elsewhere') code."""
        got = self._manifest.get(ref)
        if got is None:
            got = any(ELSEWHERE in c.title.lower() for c in self.kb.resolve(ref))
            self._manifest[ref] = got
        return got
