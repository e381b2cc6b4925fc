"""The per-encounter facts every rule reads: each code resolved once, on the date of service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from icdkit import codes
from icdkit.errors import MalformedCode
from icdkit.kb import KnowledgeBase
from icdkit.models import Code, Period
from icdkit.rules.findings import Encounter


@dataclass(frozen=True, slots=True)
class Item:
    """One code of the encounter as given, and what the knowledge base knows of it."""

    position: int  # 0 = principal / first-listed
    raw: str
    key: str | None  # None when malformed
    problem: str | None  # why it is malformed
    node: Code | None  # the node in the release, if any
    period: Period | None  # validity period covering the date of service
    shown: str  # display form (dotted), or the raw text when malformed

    @property
    def valid(self) -> bool:
        """A reportable code on the date of service."""
        return self.period is not None

    @property
    def flags(self) -> tuple[str, ...]:
        return self.period.flags if self.period else ()


@dataclass(frozen=True, slots=True)
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

    def valid_items(self) -> list[Item]:
        """Items that are reportable codes of this release on the date (pair rules use these)."""
        return list(self.valid)


Spelling = tuple[str | None, str | None, Code | None, str, tuple[Period, ...]]


def resolve(kb: KnowledgeBase, raw: str) -> Spelling:
    """What a code as typed resolves to: (key, problem, node, shown, validity periods)."""
    try:
        k: str | None = codes.key(raw)
        problem = None
    except MalformedCode as exc:
        k, problem = None, str(exc)
    node = kb.find(k) if k else None
    shown = node.code if node is not None else (codes.dotted(k) if k else raw)
    return k, problem, node, shown, tuple(kb.periods(k)) if k else ()


def build_context(kb: KnowledgeBase, encounter: Encounter,
                  spelling: Callable[[str], Spelling] | None = None) -> Context:
    """Resolve each code on the date of service; *spelling* may memoise :func:`resolve`."""
    day = encounter.date.isoformat() if encounter.date else kb.effective
    look = spelling or partial(resolve, kb)
    items = []
    for pos, raw in enumerate(encounter.codes):
        k, problem, node, shown, periods = look(raw)
        period = None
        for p in periods:
            if p.start <= day <= p.end:
                period = p
                break
        items.append(Item(pos, raw, k, problem, node, period, shown))
    valid = tuple(i for i in items if i.period is not None and i.node is not None and i.key is not None)
    return Context(kb, encounter, day, tuple(items), valid)
