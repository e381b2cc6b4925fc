"""Rules of a code on its own: what a rule says of one code in one validity period, whatever
else the claim holds. A family module registers such a rule with :func:`code_rule`; the rule
tables (rule_tables.py) compile one group of its findings per code period at build, and the
evaluator (columnar.py) emits it for every code of the claim valid on the date of service —
neither names the rule, so adding one touches its catalogue record, its module and its test.

E.g. the MCE ``unspecified`` edit (mce.py): G81.90 (hemiplegia, unspecified) is flagged in
its period, so every claim listing it on a date in that period gets the warning.

>>> from icdkit.rules import mce
>>> [(r.id, r.family, r.order) for r in registered() if r.id == "unspecified"]
[('unspecified', 'mce', 1)]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from icdkit.models import Period
from icdkit.rules.catalogue import catalogue
from icdkit.rules.finding_templates import Template
from icdkit.rules.rule_cache import RuleCache

#: what a code rule gives for a code (its key) in one of its periods: templates whose FIRST is
#: the code's display form (none when the rule says nothing of it)
Templates = Callable[[RuleCache, str, Period], tuple[Template, ...]]


class CodeRule(NamedTuple):
    """A registered rule of a code on its own: its id (a catalogue record), the family of that
    record, where its findings stand among its family's at one code (*order*), and its function."""

    id: str
    family: str
    order: int
    templates: Templates


_REGISTERED: dict[str, CodeRule] = {}


def code_rule(rule: str, *, order: int) -> Callable[[Templates], Templates]:
    """Register *rule* (its catalogue record must exist) as a rule of a code on its own, its
    findings placed by *order* among the other findings of its family at the same code."""
    record = catalogue().get(rule)
    if record is None:
        raise KeyError(f"{rule}: a code rule needs its catalogue record (data/rules.json)")

    def register(fn: Templates) -> Templates:
        if rule in _REGISTERED and _REGISTERED[rule].templates is not fn:
            raise ValueError(f"{rule}: registered twice")
        _REGISTERED[rule] = CodeRule(rule, record.family, order, fn)
        return fn

    return register


def registered() -> tuple[CodeRule, ...]:
    """The registered code rules, in the catalogue's order (the order of their columns)."""
    ids = list(catalogue())
    return tuple(sorted(_REGISTERED.values(), key=lambda r: ids.index(r.id)))
