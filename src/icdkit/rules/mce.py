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
sex-not-checked               (none: female, male are    info when a sex is given on a date
                              not in force on the date)  no sex edit is in force
============================  =========================  ==================================
"""

from __future__ import annotations

from collections.abc import Iterator

from icdkit.models import Period
from icdkit.rules.catalogue import severity
from icdkit.rules.code_rules import code_rule
from icdkit.rules.finding_templates import FIRST, Template
from icdkit.rules.findings import Finding, Source
from icdkit.rules.rule_cache import RuleCache

_AGE_NAMES = {"newborn": "Newborn", "pediatric": "Pediatric", "maternity": "Maternity", "adult": "Adult"}


def _src(cache: RuleCache, edit: str, period: Period) -> Source:
    table = cache.kb.meta.get("mce_source", "MCE table")
    when = f"{period.start} to {period.end}"
    return Source("table", f"MCE {edit} edit, in force for this code {when}", table=table)


def _by_setting(inpatient: bool | None, when_inpatient: str, unknown: str, outpatient: str) -> str:
    return {True: when_inpatient, None: unknown, False: outpatient}[inpatient]


def sex_unchecked_templates(cache: RuleCache, sex: str) -> tuple[Template, ...]:
    """What is said when a patient's *sex* is given on a date no MCE sex edit is in force: it
    was not checked (rather than passing silently). E.g. N40.0 (benign prostatic hyperplasia),
    sex F, on 2025-01-01: no error since CMS dropped the sex edits on 2024-10-01, and this note."""
    return cache.templated(("sex-not-checked", sex), _sex_unchecked, cache, sex)


def _sex_unchecked(cache: RuleCache, sex: str) -> list[Finding]:
    span = cache.sex_edits
    table = cache.kb.meta.get("mce_source", "MCE table")
    when = f"in force {span[0]} to {span[1]}" if span is not None else "not in this table"
    return [Finding("sex-not-checked", severity("sex-not-checked"), (),
                    f"the patient's sex ({sex}) was not checked against the codes: no MCE sex edit is "
                    f"in force on the date of service (they were {when})",
                    Source("table", f"MCE diagnosis sex edits (female, male), {when}", table=table))]


def conflicts(cache: RuleCache, shown: str, period: Period, day: str, age: int | None, sex: str | None,
              ranges: dict[str, tuple[int, int]]) -> list[Finding]:
    """The age and sex edits a code (in its *period*) fails for this patient on *day*; *ranges*
    are the age ranges in force that day."""
    found = []
    flags = period.flags
    if age is not None:
        for flag, name in _AGE_NAMES.items():
            if flag in flags and flag in ranges:
                lo, hi = ranges[flag]
                if not lo <= age <= hi:
                    found.append(Finding("age", severity("age"), (shown,),
                                         f"{shown} is a {name.lower()} diagnosis (ages {lo}-{hi} on {day}); "
                                         f"the patient is {age}",
                                         _src(cache, f"{name} diagnosis age conflict", period)))
    if sex is not None:
        for flag, only in (("female", "F"), ("male", "M")):
            if flag in flags and sex != only:
                found.append(Finding("sex", severity("sex"), (shown,), f"{shown} is a {flag}-only diagnosis "
                                     f"(MCE sex edit) but the patient's sex is {sex}",
                                     _src(cache, f"{flag.capitalize()} diagnosis", period)))
    return found


@code_rule("unspecified", order=1)  # after the code's age and sex edits
def unspecified_templates(cache: RuleCache, key: str, period: Period) -> tuple[Template, ...]:
    """The unspecified finding of a code flagged so in *period* (none otherwise), with FIRST
    for the code."""
    if "unspecified" not in period.flags:
        return ()
    return cache.templated(("unspecified", period), _unspecified, cache, period)


def principal_templates(cache: RuleCache, period: Period, inpatient: bool | None, several: bool
                        ) -> tuple[Template, ...]:
    """The findings of the first-listed code's flags (those of its *period*) in this setting,
    alone on the claim or not (*several*), with FIRST for the code."""
    return cache.templated(("principal", period, inpatient, several), _principal, cache, period, inpatient,
                           several)


def _unspecified(cache: RuleCache, period: Period) -> list[Finding]:
    return [Finding("unspecified", severity("unspecified"), (FIRST,),
                    f"{FIRST} is an unspecified code that the MCE flags; document and code "
                    "the specific condition when known", _src(cache, "Unspecified code", period))]


def _principal(cache: RuleCache, period: Period, inpatient: bool | None, several: bool) -> Iterator[Finding]:
    role = _by_setting(inpatient, "principal", "first-listed", "first-listed")
    flags = period.flags
    if "manifestation" in flags:
        yield Finding("manifestation-principal", severity("manifestation-principal"), (FIRST,),
                      f"{FIRST} is a manifestation code and may not be the {role} diagnosis; "
                      "list the underlying condition first",
                      _src(cache, "Manifestation code as principal", period))
    if "unacceptable" in flags:
        yield Finding("unacceptable-principal", severity("unacceptable-principal", inpatient=inpatient),
                      (FIRST,),
                      f"{FIRST} is unacceptable as the principal diagnosis of an inpatient claim",
                      _src(cache, "Unacceptable principal diagnosis", period))
    if "reqsdx" in flags and not several:
        yield Finding("unacceptable-principal", severity("unacceptable-principal", inpatient=inpatient),
                      (FIRST,),
                      f"{FIRST} is acceptable as principal diagnosis only with a secondary diagnosis",
                      _src(cache, "Unacceptable principal diagnosis (requires secondary)", period))
    if "qadm" in flags:
        yield Finding("questionable-admission", severity("questionable-admission", inpatient=inpatient),
                      (FIRST,),
                      f"{FIRST} is a questionable reason for inpatient admission",
                      _src(cache, "Questionable admission", period))
    if "ecodepdx" in flags:
        yield Finding("external-cause-principal", severity("external-cause-principal"), (FIRST,),
                      f"{FIRST} is an external cause code and may not be the {role} diagnosis",
                      _src(cache, "E-code as principal diagnosis", period))
