"""Medicare Code Editor edits on the date of service.

Each MCE edit is a flag on a code's validity period in the MCE table (so an edit applies only
on dates it was in force: CMS dropped the diagnosis sex edits on 2024-10-01):

============================  =========================  ==================================
rule                          MCE flag                   severity
============================  =========================  ==================================
age                           newborn, pediatric,        error when the age is outside the
                              maternity, adult           range in force on the date
sex                           female, male               error when the sex differs
manifestation-principal       manifestation              error (first-listed)
unacceptable-principal        unacceptable, reqsdx       error inpatient, warning when the
                                                         setting is unknown, info outpatient
questionable-admission        qadm                       warning inpatient, info otherwise
external-cause-principal      ecodepdx                   error (first-listed)
unspecified                   unspecified                warning
============================  =========================  ==================================
"""

from __future__ import annotations

from collections.abc import Iterator

from icdkit.rules.cache import RuleCache
from icdkit.rules.context import Context, Item
from icdkit.rules.emit import Sink
from icdkit.rules.findings import Finding, Source

_AGE_NAMES = {"newborn": "Newborn", "pediatric": "Pediatric", "maternity": "Maternity", "adult": "Adult"}


def _src(ctx: Context, edit: str, item: Item) -> Source:
    table = ctx.kb.meta.get("mce_source", "MCE table")
    when = f"{item.period.start} to {item.period.end}" if item.period else ctx.day
    return Source("table", f"MCE {edit} edit, in force for this code {when}", table=table)


def _by_setting(ctx: Context, inpatient: str, unknown: str, outpatient: str) -> str:
    return {True: inpatient, None: unknown, False: outpatient}[ctx.inpatient]


def check_mce(ctx: Context, cache: RuleCache, out: Sink) -> None:
    enc = ctx.encounter
    ranges = cache.age_ranges(ctx.day) if enc.age is not None else {}
    for item in ctx.items:
        if not item.flags:
            continue
        if enc.age is not None:
            for f in _age(ctx, item, enc.age, ranges):
                out.add(f)
        if enc.sex is not None:
            for flag, sex in (("female", "F"), ("male", "M")):
                if flag in item.flags and enc.sex != sex:
                    src = _src(ctx, f"{flag.capitalize()} diagnosis", item)
                    out.add(Finding("sex", "error", (item.shown,), f"{item.shown} is a {flag}-only diagnosis "
                                    f"(MCE sex edit) but the patient's sex is {enc.sex}", src))
        if "unspecified" in item.flags:
            out.put(cache.templated(("unspecified", item.period), _unspecified, ctx, item), item.shown)
    first = ctx.principal
    if first is not None and first.flags:
        key = ("principal", first.period, ctx.inpatient, len(ctx.items) > 1)
        out.put(cache.templated(key, _principal, ctx, first), first.shown)


def _unspecified(ctx: Context, item: Item) -> list[Finding]:
    return [Finding("unspecified", "warning", (item.shown,),
                    f"{item.shown} is an unspecified code that the MCE flags; document and code "
                    "the specific condition when known", _src(ctx, "Unspecified code", item))]


def _age(ctx: Context, item: Item, age: int, ranges: dict[str, tuple[int, int]]) -> Iterator[Finding]:
    for flag, name in _AGE_NAMES.items():
        if flag in item.flags and flag in ranges:
            lo, hi = ranges[flag]
            if not lo <= age <= hi:
                yield Finding("age", "error", (item.shown,),
                              f"{item.shown} is a {name.lower()} diagnosis (ages {lo}-{hi} on {ctx.day}); "
                              f"the patient is {age}", _src(ctx, f"{name} diagnosis age conflict", item))


def _principal(ctx: Context, first: Item) -> Iterator[Finding]:
    role = {True: "principal", None: "first-listed", False: "first-listed"}[ctx.inpatient]
    shown = first.shown
    if "manifestation" in first.flags:
        yield Finding("manifestation-principal", "error", (shown,),
                      f"{shown} is a manifestation code and may not be the {role} diagnosis; "
                      "list the underlying condition first",
                      _src(ctx, "Manifestation code as principal", first))
    if "unacceptable" in first.flags:
        yield Finding("unacceptable-principal", _by_setting(ctx, "error", "warning", "info"), (shown,),
                      f"{shown} is unacceptable as the principal diagnosis of an inpatient claim",
                      _src(ctx, "Unacceptable principal diagnosis", first))
    if "reqsdx" in first.flags and len(ctx.items) < 2:
        yield Finding("unacceptable-principal", _by_setting(ctx, "error", "warning", "info"), (shown,),
                      f"{shown} is acceptable as principal diagnosis only with a secondary diagnosis",
                      _src(ctx, "Unacceptable principal diagnosis (requires secondary)", first))
    if "qadm" in first.flags:
        yield Finding("questionable-admission", _by_setting(ctx, "warning", "info", "info"), (shown,),
                      f"{shown} is a questionable reason for inpatient admission",
                      _src(ctx, "Questionable admission", first))
    if "ecodepdx" in first.flags:
        yield Finding("external-cause-principal", "error", (shown,),
                      f"{shown} is an external cause code and may not be the {role} diagnosis",
                      _src(ctx, "E-code as principal diagnosis", first))
