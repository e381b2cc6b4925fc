"""Check one encounter's diagnosis codes against every rule; each finding cites its source.

``check()`` is the evaluator (columnar.py) on a chunk of one encounter — the same evaluator a
batch runs on chunks of a thousand — read back into Finding objects: one engine at every scale.

>>> from icdkit import KnowledgeBase
>>> report = Checker(KnowledgeBase.open()).check(["M54.2", "M50.20"])
>>> report.ok, [f.rule for f in report.findings if f.severity == "error"]
(False, ['excludes1'])
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from icdkit.errors import InvalidInput
from icdkit.kb import KnowledgeBase
from icdkit.rules.columnar import Columnar
from icdkit.rules.encounters import MAX_CODES, SETTINGS, Rules, encounter, encounter_codes, patient
from icdkit.rules.findings import Encounter, Finding, Report

__all__ = ["MAX_CODES", "SETTINGS", "Checker", "check", "encounter", "encounter_codes", "patient"]

_KEPT = "_icdkit_rules"  # the attribute of a KnowledgeBase holding its Rules and evaluator


def _kept(kb: KnowledgeBase) -> list[Any]:
    """[Rules, evaluator or None] of *kb*, made once and kept on it: they live as long as it
    does, and every Checker of one knowledge base shares them (their memos, its rule tables)."""
    got: list[Any] | None = kb.__dict__.get(_KEPT)
    if got is None:
        got = [Rules(kb), None]
        setattr(kb, _KEPT, got)
    return got


class Checker(Rules):
    """Checks encounters against one knowledge base: with the evaluator, one encounter at a time
    (:meth:`check`) or in chunks (rules/batch.py)."""

    def __init__(self, kb: KnowledgeBase, *, shared: bool = True) -> None:
        """A checker of *kb* sharing its memos and evaluator with every other (see _kept), or,
        not *shared*, with its own (a test comparing the kernel sets)."""
        self.kb = kb
        self._kept: list[Any] = _kept(kb) if shared else [Rules(kb), None]
        self.cache = self._kept[0].cache

    @property
    def evaluator(self) -> Columnar:
        """The knowledge base's evaluator (its rule tables loaded when first asked)."""
        kept = self._kept
        if kept[1] is None:
            kept[1] = Columnar(kept[0])
        evaluator: Columnar = kept[1]
        return evaluator

    def check(self, codes: Sequence[str] | str, *, age: int | str | None = None, sex: str | None = None,
              date: dt.date | str | None = None, setting: str | None = None) -> Report:
        return self.check_encounter(encounter(codes, age=age, sex=sex, date=date, setting=setting))

    def check_encounter(self, enc: Encounter) -> Report:
        """The evaluator's findings for one encounter, as a Report (InvalidInput for a date
        beyond the validity table, as for input ``encounter`` rejects)."""
        day = self.cache.day(enc.date) if enc.date is not None else self.kb.effective
        row = {"id": "encounter", "codes": list(enc.codes), "age": enc.age, "sex": enc.sex,
               "date": day if enc.date is not None else None, "setting": enc.setting}
        [done] = self.evaluator.lines([(1, row)])
        findings = tuple(Finding.from_dict(f) for f in json.loads(done.text)["findings"])
        if done.invalid:
            raise InvalidInput(findings[0].message.removeprefix("encounter: "))
        given = "given" if enc.date is not None else "default"
        return Report(findings, self.kb.release, day, given, self.kb.label)


def check(codes: Sequence[str] | str, *, age: int | str | None = None, sex: str | None = None,
          date: dt.date | str | None = None, setting: str | None = None,
          kb: KnowledgeBase | None = None) -> Report:
    """Check one encounter (principal / first-listed code first) on the newest release by default."""
    return Checker(kb or KnowledgeBase.open()).check(codes, age=age, sex=sex, date=date, setting=setting)
