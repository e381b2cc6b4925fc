"""The per-encounter facts every rule reads: each code resolved once, on the date of service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from icdkit import codes
from icdkit.errors import MalformedCode
from icdkit.kb import KnowledgeBase
from icdkit.models import Code, Period
from icdkit.rules.findings import Encounter
from icdkit.rules.governing_notes import UNGOVERNED, Governing

#: A code's MS-DRG severity (level, CC exclusion collection), if any, and whether it maps to an HCC.
Info = tuple[tuple[str, int | None] | None, bool]
NO_INFO: Info = (None, False)


@dataclass(slots=True, eq=False)
class Item:
    """One code of the encounter as given, and what the knowledge base knows of it."""

    position: int  # 0 = principal / first-listed
    raw: str
    key: str | None  # None when malformed
    problem: str | None  # why it is malformed
    node: Code | None  # the node in the release, if any
    period: Period | None  # validity period covering the date of service
    shown: str  # display form (dotted), or the raw text when malformed
    governing: Governing = UNGOVERNED  # the notes governing it in the pair rules
    info: Info = NO_INFO
    elsewhere: bool = False  # titled "… in diseases classified elsewhere"
    flags: tuple[str, ...] = ()  # MCE edit flags of its period

    @property
    def valid(self) -> bool:
        """A reportable code on the date of service."""
        return self.period is not None


@dataclass(slots=True, eq=False)
class Context:
    kb: KnowledgeBase
    encounter: Encounter
    day: str  # ISO date of service (the release's effective date when none was given)
    items: tuple[Item, ...]
    valid: tuple[Item, ...]  # items that are reportable codes of this release on the date

    @property
    def principal(self) -> Item | None:
        return self.items[0] if self.items else None

    @property
    def inpatient(self) -> bool | None:
        """True / False when the setting is known, None when it was not given."""
        return None if self.encounter.setting is None else self.encounter.setting == "inpatient"


@dataclass(slots=True, eq=False)
class Spelling:
    """What a code as typed resolves to, and the facts of its node the rules read."""

    key: str | None
    problem: str | None
    node: Code | None
    shown: str
    periods: tuple[Period, ...]
    governing: Governing = UNGOVERNED
    info: Info = NO_INFO
    elsewhere: bool = False


Resolved = tuple[str | None, str | None, Code | None, str, tuple[Period, ...]]


def resolve(kb: KnowledgeBase, raw: str) -> Resolved:
    """What a code as typed resolves to: (key, problem, node, shown, validity periods)."""
    try:
        k: str | None = codes.key(raw)
        problem = None
    except MalformedCode as exc:
        k, problem = None, str(exc)
    node = kb.find(k) if k else None
    shown = node.code if node is not None else (codes.dotted(k) if k else raw)
    return k, problem, node, shown, tuple(kb.periods(k)) if k else ()


def build_context(kb: KnowledgeBase, encounter: Encounter, day: str, look: Callable[[str], Spelling],
                  known: dict[str, Spelling]) -> Context:
    """Resolve each code on *day*, the ISO date of service: *known* holds spellings resolved
    before, *look* resolves (and keeps) the others."""
    items = []
    valid = []
    for pos, raw in enumerate(encounter.codes):
        sp = known.get(raw) or look(raw)
        period = None
        for p in sp.periods:
            if p.start <= day <= p.end:
                period = p
                break
        item = Item(pos, raw, sp.key, sp.problem, sp.node, period, sp.shown, sp.governing, sp.info,
                    sp.elsewhere, period.flags if period else ())
        items.append(item)
        if period is not None and sp.node is not None:
            valid.append(item)
    return Context(kb, encounter, day, tuple(items), tuple(valid))
