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


def period_on(periods: tuple[Period, ...], day: str) -> int:
    """The index of the validity period covering *day* (ISO), or -1."""
    for i, p in enumerate(periods):
        if p.start <= day <= p.end:
            return i
    return -1


def make_item(spelled: Spelling, position: int, raw: str, period: int) -> Item:
    """The Item of a code as typed (resolved as *spelled*), valid in its *period* (-1: none)."""
    k, problem, node, shown, periods = spelled
    return Item(position, raw, k, problem, node, periods[period] if period >= 0 else None, shown)


def _item(kb: KnowledgeBase, position: int, raw: str, day: str) -> Item:
    spelled = resolve(kb, raw)
    return make_item(spelled, position, raw, period_on(spelled[4], day))


def build_context(kb: KnowledgeBase, encounter: Encounter,
                  item: Callable[[int, str, str], Item] | None = None) -> Context:
    """Resolve each code on the date of service; *item(position, raw, day)* may memoise that."""
    day = encounter.date.isoformat() if encounter.date else kb.effective
    make = item or partial(_item, kb)
    items = tuple([make(pos, raw, day) for pos, raw in enumerate(encounter.codes)])
    valid = tuple([i for i in items if i.period is not None and i.node is not None and i.key is not None])
    return Context(kb, encounter, day, items, valid)
